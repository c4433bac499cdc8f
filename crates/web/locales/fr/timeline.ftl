# Le fil du dossier et les échéances en mots (issue 16). Mêmes identifiants, même ordre que en/timeline.ftl.
due-in = dans { $x }
due-late-by = en retard de { $x }
someone = quelqu’un
event-changed-field = a modifié { $field } : { $old } → { $new }
event-assigned-to = a attribué le dossier à { $x }
event-transferred-case = a transféré le dossier à une autre équipe
compensation-of = { $kind } de { $amount }
event-compensation-given = a accordé un geste commercial : { $x }
event-compensation-asked = a demandé un geste commercial : { $x }, en attente de validation
event-compensation-approved = a validé le geste commercial : { $x }
event-compensation-declined = a refusé le geste commercial : { $x }
