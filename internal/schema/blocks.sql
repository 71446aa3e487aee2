-- Blocks that several migrations write for a table, called as {{template "name" .On "table"}}.

-- append_only refuses every change to the rows of .Table once written. PostgreSQL's trigger calls
-- refuse_change(), which 00001 defines, and also refuses TRUNCATE.
{{define "append_only" -}}
{{if .SQLite -}}
-- +goose StatementBegin
CREATE TRIGGER {{.Table}}_no_update BEFORE UPDATE ON {{.Table}}
BEGIN
    SELECT RAISE(ABORT, '{{.Table}} is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER {{.Table}}_no_delete BEFORE DELETE ON {{.Table}}
BEGIN
    SELECT RAISE(ABORT, '{{.Table}} is append-only');
END;
-- +goose StatementEnd
{{- else -}}
CREATE TRIGGER {{.Table}}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {{.Table}}
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
{{- end}}
{{- end}}

-- versioned_document is a table of named source documents (the policy, the compensation plan) in
-- versions, each a draft until published and effective from a date.
{{define "versioned_document" -}}
CREATE TABLE {{.Table}} (
    id             {{.AutoID}},
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    effective_from {{.Int}},
    status         TEXT NOT NULL CHECK (({{.OneOf "status" "draft" "published" "superseded"}})),
    source         TEXT NOT NULL,
    created_at     {{.Int}} NOT NULL,
    created_by     {{.Int}} REFERENCES users (id),
    published_at   {{.Int}},
    published_by   {{.Int}} REFERENCES users (id),
    UNIQUE (name, version)
);
{{- end}}

-- audit_entries is a table of audit log entries: audit_log itself, and audit_pending, where a
-- transaction's entries wait until it commits and are then moved into audit_log as they are.
{{define "audit_entries" -}}
CREATE TABLE {{.Table}} (
    id        {{.AutoID}},
    at        {{.Int}} NOT NULL,
    actor_id  {{.Int}},
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
{{- end}}
