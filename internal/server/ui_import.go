package server

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The web import: the CLI's choices (kind, built-in layout or column mapping, an uploaded mapping file,
// skip bad rows, dry run) on one form; the job runs in the background (internal/importjob) and its page
// follows the progress to the result: counts, every problem by line and column, the rejected rows.

// maxMappingUpload bounds an uploaded mapping file; real ones are a few kilobytes.
const maxMappingUpload = 256 << 10

type importPageForm struct {
	Kind, Mapping string
	SkipInvalid   bool
	Errors        formErrors
}

type mappingOption struct {
	Value, Label string
}

type importData struct {
	Kinds    []string
	Mappings []mappingOption
	Form     importPageForm
	Jobs     []sqlstore.ImportJob
}

// importMappings are the mapping choices: the layouts the importer knows (detected from the header or
// named), then its built-in mapping files as "map:NAME".
func importMappings() []mappingOption {
	out := []mappingOption{{"auto", "detect from the header (Tandem, Salesforce or HubSpot)"},
		{"tandem", "Tandem columns"}, {"salesforce", "Salesforce export"}, {"hubspot", "HubSpot export"}}
	for _, name := range importer.BuiltinMappings() {
		out = append(out, mappingOption{"map:" + name, "mapping " + name})
	}
	return out
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderImportPage(w, r, http.StatusOK, importPageForm{Kind: "opportunities", Mapping: "auto", Errors: newFormErrors()}, "")
}

func (s *Server) renderImportPage(w http.ResponseWriter, r *http.Request, status int, form importPageForm, flash string) error {
	jobs, _, err := s.store.ListImportJobs(r.Context(), actorFrom(r.Context()), sqlstore.ImportJobFilter{Limit: 20})
	if err != nil {
		return err
	}
	s.render(w, r, status, "import", view{Title: "Import", Nav: "import", Flash: flash,
		Data: importData{Kinds: importKinds(), Mappings: importMappings(), Form: form, Jobs: jobs}})
	return nil
}

// importSubmit checks the whole form (every problem shown next to its field), then starts the job and
// goes to its page.
func (s *Server) importSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	form := importPageForm{Kind: "opportunities", Mapping: "auto", Errors: newFormErrors()}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		form.Errors.add("file", "the upload could not be read: "+err.Error())
		return s.renderImportPage(w, r, http.StatusBadRequest, form, "Not imported: please correct the fields marked below.")
	}
	form.Kind, form.Mapping = r.PostFormValue("kind"), cmp.Or(r.PostFormValue("mapping"), "auto")
	form.SkipInvalid = r.PostFormValue("skip_invalid") == "true"
	req := importRequest{kind: form.Kind, skipInvalid: form.SkipInvalid, dryRun: r.PostFormValue("mode") == "dry_run"}
	if !isImportKind(form.Kind) {
		form.Errors.add("kind", fmt.Sprintf("choose what the file holds: one of %s", strings.Join(importKinds(), ", ")))
	}
	switch name, isMap := strings.CutPrefix(form.Mapping, "map:"); {
	case isMap:
		m, err := builtinMapping(name)
		if err != nil {
			form.Errors.addErr(map[string]string{"map": "mapping"}, err)
		}
		req.mapping = m
	case form.Mapping == "auto" || slices.Contains(importer.Formats, form.Mapping):
		req.format = form.Mapping
	default:
		form.Errors.add("mapping", fmt.Sprintf("%q is not a layout or built-in mapping", form.Mapping))
	}
	if mf, header, err := r.FormFile("mapping_file"); err == nil && header.Size > 0 {
		// An uploaded mapping file wins over the choice above.
		m, err := uploadedMapping(header.Filename, mf)
		mf.Close()
		form.Errors.addErr(nil, err)
		req.mapping, req.format = m, ""
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		form.Errors.add("file", "choose the CSV file to import")
	} else {
		defer file.Close()
		req.fileName, req.file = header.Filename, file
	}
	if len(form.Errors) > 0 {
		return s.renderImportPage(w, r, http.StatusUnprocessableEntity, form, "Not imported: please correct the fields marked below.")
	}
	job, err := s.startImport(r.Context(), actorFrom(r.Context()), req)
	if err != nil {
		status, msg := s.uiError(r.Context(), err)
		if len(form.Errors.addErr(map[string]string{"format": "mapping"}, err)) == 0 {
			msg = "please correct the fields marked below."
		}
		return s.renderImportPage(w, r, status, form, "Not imported: "+msg)
	}
	http.Redirect(w, r, "/import/"+strconv.FormatInt(job.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) importJob(r *http.Request) (*sqlstore.ImportJob, error) {
	return loadByPath(r, "import job", s.store.GetImportJob)
}

// importProgress is the fragment htmx polls every second while the job runs; once it has ended, the
// fragment is the result.
func (s *Server) importProgress(w http.ResponseWriter, r *http.Request) {
	job, err := s.importJob(r)
	if err != nil {
		status, msg := s.uiError(r.Context(), err)
		http.Error(w, msg, status)
		return
	}
	s.render(w, r, http.StatusOK, "import_progress", view{Data: job})
}

// importRejects downloads the rows a job rejected, as the importer wrote them (formula-safe CSV with
// the line and the reason of each).
func (s *Server) importRejects(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "import job")
	if err != nil {
		return err
	}
	b, err := s.store.ImportJobRejects(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	attachment(w, "text/csv; charset=utf-8", fmt.Sprintf("import-%d-rejected.csv", id))
	_, err = w.Write(b)
	return err
}
