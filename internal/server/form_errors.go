package server

import (
	"errors"

	tandem "github.com/tandem-revops/tandem"
)

// formErrors are the problems of one submitted form, keyed by the form's field names, so that a page
// shows every mistake at once next to its own field (the "field-error" template in partials.html)
// rather than one per submit. The zero value is not usable; make one with newFormErrors.
type formErrors map[string]string

func newFormErrors() formErrors { return formErrors{} }

// add records msg for field unless the field already has a problem (the first one is the clearer).
func (f formErrors) add(field, msg string) {
	if field != "" && f[field] == "" {
		f[field] = msg
	}
}

// addErr records each error that names a field (a *tandem.Error with Field set) under that field, or
// under the form field alias maps it to (the store's name → the form's name). It returns the errors
// that name no field, which the page shows as a whole-form message.
func (f formErrors) addErr(alias map[string]string, errs ...error) []error {
	var rest []error
	for _, err := range errs {
		if err == nil {
			continue
		}
		var te *tandem.Error
		if !errors.As(err, &te) || te.Field == "" {
			rest = append(rest, err)
			continue
		}
		field := te.Field
		if a, ok := alias[field]; ok {
			field = a
		}
		f.add(field, te.Message)
	}
	return rest
}
