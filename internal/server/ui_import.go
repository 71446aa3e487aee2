package server

import (
	"net/http"
	"strconv"

	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type importData struct {
	Kinds []string
	Jobs  []sqlstore.ImportJob
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderImportPage(w, r, http.StatusOK, "")
}

func (s *Server) renderImportPage(w http.ResponseWriter, r *http.Request, status int, flash string) error {
	jobs, _, err := s.store.ListImportJobs(r.Context(), actorFrom(r.Context()), sqlstore.ImportJobFilter{Limit: 20})
	if err != nil {
		return err
	}
	s.render(w, r, status, "import", view{Title: "Import", Nav: "import", Flash: flash,
		Data: importData{Kinds: importer.Kinds, Jobs: jobs}})
	return nil
}

func (s *Server) importSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return s.renderImportPage(w, r, http.StatusBadRequest, "The upload could not be read: "+err.Error())
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		return s.renderImportPage(w, r, http.StatusUnprocessableEntity, "Choose a CSV file to import.")
	}
	defer file.Close()
	job, err := s.startImport(r.Context(), actorFrom(r.Context()), importRequest{kind: r.PostFormValue("kind"),
		format: r.PostFormValue("format"), skipInvalid: r.PostFormValue("skip_invalid") == "true",
		fileName: header.Filename, file: file})
	if err != nil {
		status, msg := s.uiError(r.Context(), err)
		return s.renderImportPage(w, r, status, msg)
	}
	http.Redirect(w, r, "/import/"+strconv.FormatInt(job.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) importJob(r *http.Request) (*sqlstore.ImportJob, error) {
	id, err := pathID(r, "import job")
	if err != nil {
		return nil, err
	}
	return s.store.GetImportJob(r.Context(), actorFrom(r.Context()), id)
}

func (s *Server) importJobPage(w http.ResponseWriter, r *http.Request) error {
	job, err := s.importJob(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "import_job", view{Title: "Import", Nav: "import", Data: job})
	return nil
}

// importProgress is the fragment htmx polls every second while the job runs.
func (s *Server) importProgress(w http.ResponseWriter, r *http.Request) {
	job, err := s.importJob(r)
	if err != nil {
		status, msg := s.uiError(r.Context(), err)
		http.Error(w, msg, status)
		return
	}
	s.render(w, r, http.StatusOK, "import_progress", view{Data: job})
}
