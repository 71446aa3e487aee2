package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	tandem "github.com/tandem-revops/tandem"
)

// httpStatus is the one place that maps Tandem's error codes to HTTP status codes, for the API and the
// web UI alike.
func httpStatus(err error) int {
	if status, ok := codeStatus[tandem.ErrorCode(err)]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// codeStatus is the HTTP status of each error code; any other error is an internal one.
var codeStatus = map[string]int{
	tandem.EINVALID:   http.StatusUnprocessableEntity,
	tandem.ENOTFOUND:  http.StatusNotFound,
	tandem.ECONFLICT:  http.StatusConflict,
	tandem.EFORBIDDEN: http.StatusForbidden,
	tandem.EUNAUTH:    http.StatusUnauthorized,
}

// problem turns an error from the domain or the store into an RFC 9457 problem for the API. Internal
// errors are logged with their cause and shown only as "internal error".
func (s *Server) problem(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var se huma.StatusError
	if errors.As(err, &se) {
		return err // already an HTTP error (built by the server itself)
	}
	status := httpStatus(err)
	if status == http.StatusInternalServerError {
		if ctx.Err() != nil {
			// The client went away; nothing to report.
			return huma.NewError(499, "request cancelled")
		}
		s.log.ErrorContext(ctx, "internal error", slog.Any("err", err))
		return huma.Error500InternalServerError("internal error")
	}
	var te *tandem.Error
	if errors.As(err, &te) && te.Field != "" {
		return huma.NewError(status, tandem.ErrorMessage(err), &huma.ErrorDetail{
			Message: te.Message, Location: "body." + te.Field,
		})
	}
	return huma.NewError(status, tandem.ErrorMessage(err))
}

// uiError is what a page shows for an error: the status and a message safe to show.
func (s *Server) uiError(ctx context.Context, err error) (int, string) {
	status := httpStatus(err)
	if status == http.StatusInternalServerError {
		s.log.ErrorContext(ctx, "internal error", slog.Any("err", err))
		return status, "Something went wrong on our side. The error has been logged."
	}
	return status, tandem.ErrorMessage(err)
}
