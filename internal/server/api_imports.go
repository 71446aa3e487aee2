package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/importjob"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type importForm struct {
	File        huma.FormFile `form:"file" contentType:"text/csv,text/plain,application/octet-stream,application/vnd.ms-excel" required:"true" doc:"the CRM export"`
	Kind        string        `form:"kind" enum:"accounts,partners,users,opportunities,registrations,touches,opportunity_history" required:"true" doc:"what the file holds; opportunity_history is a CRM's history of deals already imported (Salesforce OpportunityHistory or OpportunityFieldHistory, HubSpot deal property history, or another layout through mapping_file), imported all or nothing"`
	Format      string        `form:"format" required:"false" enum:"auto,tandem,salesforce,hubspot,salesforce-opportunity-history,salesforce-field-history,hubspot-property-history" doc:"column layout; default auto (detected from the header). The last three are the shapes of opportunity_history."`
	SkipInvalid bool          `form:"skip_invalid" required:"false" doc:"import the good rows and reject the bad ones instead of refusing the file (not for opportunity_history, which is all or nothing)"`
	Map         string        `form:"map" required:"false" doc:"a built-in column mapping by name (e.g. maven-sales-pipeline, salesforce-field-history), instead of format"`
	MappingFile huma.FormFile `form:"mapping_file" contentType:"application/yaml,application/x-yaml,text/yaml,text/x-yaml,text/plain,application/octet-stream" required:"false" doc:"your own column mapping (YAML, as tandem import --map reads it); replaces map and format"`
	DryRun      bool          `form:"dry_run" required:"false" doc:"check and count everything, list every problem, then roll back: nothing is written"`
}

type importListInput struct {
	Status sqlstore.ImportJobStatus `query:"status" enum:"running,succeeded,failed"`
	PageParams
}

func (s *Server) registerImportAPI() {
	create := op(http.MethodPost, "create-import", "/imports", "Import a CSV file",
		"Starts an import job in the background and returns it at once; poll GET /imports/{id} for progress. "+
			"A file with bad rows is refused as a whole unless skip_invalid is set.")
	create.DefaultStatus = http.StatusAccepted
	create.MaxBodyBytes = s.cfg.MaxUpload
	register(s.api, create,
		func(ctx context.Context, in *struct {
			RawBody huma.MultipartFormFiles[importForm]
		}) (*bodyOutput[sqlstore.ImportJob], error) {
			f := in.RawBody.Data()
			req := importRequest{kind: f.Kind, format: f.Format, skipInvalid: f.SkipInvalid, dryRun: f.DryRun,
				fileName: f.File.Filename, file: f.File}
			var err error
			if f.Map != "" {
				if req.mapping, err = builtinMapping(f.Map); err != nil {
					return nil, s.problem(ctx, err)
				}
			}
			if f.MappingFile.IsSet {
				if req.mapping, err = uploadedMapping(f.MappingFile.Filename, f.MappingFile); err != nil {
					return nil, s.problem(ctx, err)
				}
				req.format = ""
			}
			job, err := s.startImport(ctx, actorFrom(ctx), req)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return ok(*job), nil
		})
	register(s.api, opGet("list-imports", "/imports", "List import jobs", "Newest first."),
		pageFor(s, s.store.ListImportJobs, func(in *importListInput) sqlstore.ImportJobFilter {
			return sqlstore.ImportJobFilter{Status: in.Status, Limit: in.Limit, Offset: in.Offset}
		}))
	register(s.api, opGet("get-import", "/imports/{id}", "Get an import job", "Its progress while it runs; counts or errors when done."),
		byID(s, s.store.GetImportJob))
}

type importRequest struct {
	kind, format, fileName string
	skipInvalid            bool
	dryRun                 bool              // check the whole file, report, and roll back
	mapping                *importer.Mapping // a built-in or uploaded mapping file, or nil for format
	file                   io.Reader
}

// mappingLabel names the column mapping of req for the job record.
func (req importRequest) mappingLabel() string {
	if req.mapping != nil {
		return "mapping " + req.mapping.Name
	}
	if req.format == "" || req.format == "auto" {
		return "detected layout"
	}
	return req.format + " layout"
}

// maxJobErrors is how many row errors an import job keeps for the import page.
const maxJobErrors = 50

// startImport copies the upload to a temporary file (the request ends before the import does), records
// the job and runs it in the background in one transaction, committed only when the import was not
// refused.
func (s *Server) startImport(ctx context.Context, actor tandem.Actor, req importRequest) (*sqlstore.ImportJob, error) {
	if !isImportKind(req.kind) {
		return nil, tandem.FieldError("kind", "%q is not one of %s", req.kind, strings.Join(importKinds(), ", "))
	}
	if err := req.checkHistory(); err != nil {
		return nil, err
	}
	if m := req.mapping; m != nil && m.Kind != "" && m.Kind != req.kind {
		return nil, tandem.FieldError("mapping", "mapping %s is for %s, not %s", m.Name, m.Kind, req.kind)
	}
	if req.fileName == "" {
		req.fileName = "upload.csv"
	}
	tmp, err := os.CreateTemp("", "tandem-import-*.csv")
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	size, err := io.Copy(tmp, req.file)
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("import: save the upload: %w", err)
	}
	id, err := s.store.CreateImportJob(ctx, actor, sqlstore.NewImportJob{Kind: req.kind, FileName: req.fileName, BytesTotal: size,
		DryRun: req.dryRun, Mapping: req.mappingLabel()})
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	s.imports.Add(1)
	go func() {
		defer s.imports.Done()
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		s.runImport(s.importCtx, actor, id, req, tmp)
	}()
	return s.store.GetImportJob(ctx, actor, id)
}

// builtinMapping returns the built-in mapping name; EINVALID, naming the field map, when there is none.
func builtinMapping(name string) (*importer.Mapping, error) {
	m, err := importer.BuiltinMapping(name)
	if err != nil {
		return nil, tandem.FieldError("map", "%q is not a built-in mapping (%s)", name, strings.Join(importer.BuiltinMappings(), ", "))
	}
	return m, nil
}

// uploadedMapping parses a mapping file sent with an import; EINVALID, naming the field mapping_file,
// when it is too large or not a mapping.
func uploadedMapping(name string, src io.Reader) (*importer.Mapping, error) {
	b, err := io.ReadAll(io.LimitReader(src, maxMappingUpload+1))
	switch {
	case err != nil:
		return nil, tandem.FieldError("mapping_file", "could not be read: %v", err)
	case len(b) > maxMappingUpload:
		return nil, tandem.FieldError("mapping_file", "is larger than %d bytes", maxMappingUpload)
	}
	m, err := importer.ParseMapping(name, b)
	if err != nil {
		return nil, tandem.FieldError("mapping_file", "%s", tandem.ErrorMessage(err))
	}
	return m, nil
}

// importKinds are the kinds the import page and API offer: the record kinds, then a CRM's opportunity
// history.
func importKinds() []string { return append(slices.Clone(importer.Kinds), importer.HistoryKind) }

func isImportKind(k string) bool { return slices.Contains(importKinds(), k) }

// checkHistory refuses what an opportunity history import cannot do (skip bad rows, a layout of
// records) and a history shape named for a kind of record.
func (req importRequest) checkHistory() error {
	named := req.format != "" && req.format != "auto" && req.mapping == nil
	if req.kind != importer.HistoryKind {
		if named && slices.Contains(importer.HistoryFormats, req.format) {
			return tandem.FieldError("format", "%q is a shape of %s, not of %s", req.format, importer.HistoryKind, req.kind)
		}
		return nil
	}
	if req.skipInvalid {
		return tandem.FieldError("skip_invalid", "an opportunity history import is all or nothing: fix the rows a dry run lists")
	}
	if named && !slices.Contains(importer.HistoryFormats, req.format) {
		return tandem.FieldError("format", "%q is a layout of records; an opportunity history is read with auto, a history mapping (%s) or your own",
			req.format, strings.Join(importer.HistoryFormats, ", "))
	}
	return nil
}

func (s *Server) runImport(ctx context.Context, actor tandem.Actor, id int64, req importRequest, src *os.File) {
	log := s.log.With(slog.Int64("import_job", id), slog.String("kind", req.kind))
	finish := func(res sqlstore.ImportResult) {
		// Record the end even when the server is shutting down.
		if err := s.store.FinishImportJob(context.WithoutCancel(ctx), id, res); err != nil {
			log.Error("record the end of an import", slog.Any("err", err))
		}
	}
	progress := func(p importer.Progress) {
		if err := s.store.UpdateImportJobProgress(ctx, id, int64(p.Rows), p.Bytes); err != nil {
			log.Warn("import progress", slog.Any("err", err))
		}
	}
	if req.kind == importer.HistoryKind {
		finish(s.importHistory(ctx, actor, req, src, progress, log))
		return
	}
	var rejects bytes.Buffer
	opts := importer.Options{Kind: req.kind, Format: req.format, Mapping: req.mapping, SkipInvalid: req.skipInvalid,
		Rejects: &rejects, Clock: s.now, Logger: log, Progress: progress}
	if req.kind == "opportunities" {
		p, _, err := s.activePolicy(ctx)
		if err != nil {
			finish(sqlstore.ImportResult{Err: err})
			return
		}
		opts.Router, opts.Conflicts = p, p.ConflictSettings()
	}
	report, committed, err, txErr := importjob.Run(ctx, s.store, actor, importer.New(opts), src, req.fileName,
		func(report importer.Report, err error) bool { return err == nil && !report.Refused && !req.dryRun })
	res := sqlstore.ImportResult{Rejected: int64(report.Rejected), ProblemCount: int64(report.ErrorCount)}
	for _, e := range report.Errors {
		res.Problems = append(res.Problems, sqlstore.ImportProblem{Line: e.Line, Column: e.Column, Value: e.Value, Reason: e.Reason})
	}
	if req.skipInvalid {
		res.Rejects = rejects.Bytes()
	}
	refused := err == nil && report.Refused
	switch {
	case err == nil:
		err = txErr
	case txErr != nil:
		log.Error("roll back an import", slog.Any("err", txErr))
	}
	if err == nil && refused && !req.dryRun {
		err = tandem.Errorf(tandem.EINVALID, "%s", refusal(report))
	}
	if err != nil || (!committed && !req.dryRun) {
		if tandem.ErrorCode(err) == tandem.EINTERNAL {
			log.Error("import failed", slog.Any("err", err))
		}
		res.Err = err
		finish(res)
		return
	}
	// A committed import (its skipped rows listed as problems), or a dry run that rolled back on purpose,
	// whose counts are what the import would write.
	if committed {
		s.holdImportedReroutes(ctx, actor, log, report.Held)
	}
	res.Counts = report.Counts
	finish(res)
}

// importHistory runs an opportunity history import (importjob.RunHistory) and says how it ended: the
// changes stored (as created) and those stored already (as unchanged), every problem by line and column.
// A dry run that checked the rows succeeds and lists their problems, as for the other kinds; a file
// whose header or mapping does not fit fails.
func (s *Server) importHistory(ctx context.Context, actor tandem.Actor, req importRequest, src io.Reader, progress func(importer.Progress),
	log *slog.Logger) sqlstore.ImportResult {
	opts := importer.HistoryOptions{Format: req.format, Mapping: req.mapping, Progress: progress}
	rep, err := importjob.RunHistory(ctx, s.store, actor, src, req.fileName, opts, req.dryRun)
	res := sqlstore.ImportResult{Counts: tandem.UpsertCounts{Inserted: rep.Stored, Unchanged: rep.Unchanged}, ProblemCount: int64(rep.ErrorCount)}
	if req.mapping == nil && rep.Mapping != "" {
		res.Mapping = "mapping " + rep.Mapping // the built-in mapping the format named, or that fitted the header
	}
	for _, e := range rep.Errors {
		res.Problems = append(res.Problems, sqlstore.ImportProblem{Line: e.Line, Column: e.Column, Value: e.Value, Reason: e.Reason})
	}
	if err != nil && !(req.dryRun && tandem.ErrorCode(err) == tandem.EINVALID && !rep.HeaderProblem) {
		if tandem.ErrorCode(err) == tandem.EINTERNAL {
			log.Error("opportunity history import failed", slog.Any("err", err))
		}
		res.Err = err
	}
	return res
}

// holdImportedReroutes opens the protected_reroute conflict of each committed deal that kept its
// routing past the protected stage (importer.Report.Held). The import is committed, so failures are
// logged.
func (s *Server) holdImportedReroutes(ctx context.Context, actor tandem.Actor, log *slog.Logger, held []importer.HeldReroute) {
	if len(held) == 0 {
		return
	}
	rules, err := s.ConflictRules(ctx)
	if err != nil {
		log.Error("conflict rules for held re-routes", slog.Any("err", err))
		return
	}
	opened := 0
	_ = importjob.HoldReroutes(ctx, s.store, actor, rules, held, func(h importer.HeldReroute, _ int64, ok bool, err error) error {
		if err != nil {
			log.Error("open a protected re-route conflict", slog.Int64("opportunity", h.OpportunityID), slog.Any("err", err))
		} else if ok {
			opened++
		}
		return nil // the import is committed: one failure does not stop the others
	})
	log.Info("re-routes held past the protected stage", slog.Int("held", len(held)), slog.Int("conflicts_opened", opened))
}

// refusal lists a report's first row errors, one a line, for the job's error text.
func refusal(r importer.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem(s) in %d row(s)", r.ErrorCount, r.Rejected)
	if !r.Refused {
		b.WriteString(" skipped")
	} else {
		b.WriteString("; nothing was imported")
	}
	for i, e := range r.Errors {
		if i == maxJobErrors {
			fmt.Fprintf(&b, "\n… and %d more", r.ErrorCount-maxJobErrors)
			break
		}
		b.WriteString("\n" + e.Error())
	}
	return b.String()
}
