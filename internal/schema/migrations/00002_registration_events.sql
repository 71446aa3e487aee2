-- The deal-registration lifecycle: an append-only log of every transition (who registered first, who
-- decided, when), the approval SLA deadline fixed at submission, and how long the decision took in
-- business time.

-- +goose Up
ALTER TABLE registrations ADD COLUMN sla_due_at {{.Int}};
ALTER TABLE registrations ADD COLUMN decision_business_seconds {{.Int}};
CREATE INDEX registrations_status_submitted_at ON registrations (status, submitted_at);

CREATE TABLE registration_events (
    id               {{.AutoID}},
    registration_id  {{.Int}} NOT NULL REFERENCES registrations (id),
    at               {{.Int}} NOT NULL,
    event            TEXT NOT NULL CHECK (({{.OneOf "event" "submit" "approve" "reject" "withdraw" "extend" "expire" "win" "lose"}})),
    from_status      TEXT NOT NULL CHECK (({{.OneOf "from_status" "" "submitted" "approved" "rejected" "expired" "won" "lost" "withdrawn"}})),
    to_status        TEXT NOT NULL CHECK (({{.OneOf "to_status" "submitted" "approved" "rejected" "expired" "won" "lost" "withdrawn"}})),
    actor_id         {{.Int}},
    reason           TEXT NOT NULL DEFAULT '',
    business_seconds {{.Int}}
);
CREATE INDEX registration_events_registration_id ON registration_events (registration_id, id);

{{template "append_only" .On "registration_events"}}
