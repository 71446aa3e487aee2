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
