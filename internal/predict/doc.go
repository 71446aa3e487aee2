// Package predict learns a calibrated probability of a yes/no outcome from labelled records and
// explains each prediction: the win probability of an open deal, the conflict risk of a registration.
//
// It owns the modelling only and does no I/O of its own beyond reading CSV from an io.Reader: callers
// (the CLI, a training job over the store) hand it Examples and get back a Model they can store as JSON
// and use to Score one Record at a time.
//
// # Method
//
// Gradient-boosted decision trees on binned features (Newton boosting of the log loss, depth-limited
// trees, L2-regularised leaves, row subsampling from a seeded generator, early stopping on a held-out
// calibration part), then Platt scaling on that part so that the probabilities are calibrated. Each
// prediction is explained by path attribution: every split a record passes moves its log-odds by the
// change in node value, and that change is credited to the split's feature, so the contributions of
// the features add up exactly to the (calibrated) log-odds minus a constant. The largest become the
// reasons ("Route To Market = Reseller raises the odds").
//
// A naive Bayes on the same binned features is trained alongside as the baseline every model is
// measured against; both are scored on a held-out test part the trees never saw.
//
// # Features
//
// A column is numeric when every non-empty value parses as a finite number, otherwise categorical.
// Numeric columns are cut into at most 48 quantile bins (a column with few distinct values keeps one
// bin per value); categorical columns keep their 60 most frequent levels seen at least 5 times and fold
// the rest, and values never seen in training, into "other". An empty value is "missing", a bin of its
// own, so missingness itself can carry signal. Identifier-like categorical columns (more than half the
// values distinct) and constant columns are skipped and listed in the model.
//
// # Time and leakage
//
// When examples carry a time (the moment the prediction would have been made) the held-out parts are
// the latest ones: training rows are all strictly earlier than calibration rows, which are strictly
// earlier than test rows. When examples also say when each feature value became known (KnownAt),
// training refuses a feature whose value was known only after the moment of prediction on any row:
// such a feature leaks the outcome.
package predict
