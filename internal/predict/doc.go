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
// Path attribution (Saabas) is exact and cheap (one walk per tree) but, unlike TreeSHAP, credits a
// feature more when it splits near the root; for reasons naming the top two or three features that is
// an acceptable trade for explanations that add up to the prediction.
//
// Why trees and not logistic regression alone: on IBM's sales win/loss sample, with only the columns
// known before the outcome, L2 logistic regression on the same bins (trained alongside, see
// Metrics.Logistic) reaches a held-out AUC of about 0.80 and the trees about 0.82; the difference is
// the interactions (route to market by deal size, for instance) that an additive model cannot express.
// No maintained Go library trains boosted trees (the maintained ones only load models trained
// elsewhere), so the trees are grown here; gonum does the numerics around them (L-BFGS for the Platt
// and logistic fits, quantiles for the bins).
//
// A naive Bayes on the same binned features is trained alongside as the baseline every model is
// measured against. All three are scored on a held-out test part that neither the trees, the
// calibration nor the bins saw. The model shipped is exactly the one measured (trained on the training
// part only), so its metrics are honest.
//
// # Held-out parts
//
// Without times, the examples are split about 60/20/20 (train, calibration, test) at random with the
// seed, by id: rows sharing an id stay in one part, so a duplicated record cannot sit on both sides.
//
// # Features
//
// A column is numeric when every non-empty value parses as a finite number, otherwise categorical.
// Numeric columns are cut into at most 48 quantile bins (a column with few distinct values keeps one
// bin per value); categorical columns keep their 60 most frequent levels seen at least 5 times and fold
// the rest, and values never seen in training, into "other". Values are trimmed; an empty value is
// "missing", a bin of its own, so missingness itself can carry signal. Identifier-like categorical
// columns (more than half the values distinct) and constant columns are skipped and listed in the model.
//
// # Time and leakage
//
// When examples carry a time (the moment the prediction would have been made) the held-out parts are
// the latest ones: training rows are all strictly earlier than calibration rows, which are strictly
// earlier than test rows. When examples also say when each feature value became known (KnownAt),
// training refuses a feature whose value was known only after the moment of prediction on any row:
// such a feature leaks the outcome.
package predict
