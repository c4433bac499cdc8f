# The case timeline and deadlines in words (issue 16). Same ids, same order as fr/timeline.ftl.
due-in = in { $x }
due-late-by = { $x } late
someone = someone
event-changed-field = changed { $field }: { $old } → { $new }
event-assigned-to = assigned the case to { $x }
event-transferred-case = transferred the case to another team
compensation-of = { $kind } of { $amount }
event-compensation-given = gave a goodwill gesture: { $x }
event-compensation-asked = asked for a goodwill gesture: { $x }, awaiting approval
event-compensation-approved = approved the goodwill gesture: { $x }
event-compensation-declined = declined the goodwill gesture: { $x }
