// Package prediction brings the predict engine to the company's own history: it builds training
// examples from the store (conflict risk: one per past registration, with what was known at its
// submit; win probability: one per closed deal, with what was known when it opened), trains a version
// of each model on a time split so that the held-out window is the latest one, stores the version with
// its metrics, promotes it only when it is not worse than the version in force (predict.Promote; the
// version in force is measured again on the new version's held-out window, so both are judged on the
// same latest records), and scores the open registrations and deals with the promoted version, storing the version with each
// score. A background Job does it on a schedule, exactly once across instances; the CLI on demand.
//
// # No future in the features
//
// Every history feature (a partner's past conflicts and win rate, the AE's, another partner's earlier
// registration of the account, the last touch) is a count of records strictly before the moment of
// prediction, read from per-key timelines; the matcher's score is used only when it was known by the
// submit and is declared to the engine with its time (Example.KnownAt), so that training refuses it if
// it ever was not. A test recomputes every example from the history cut at that example's time and
// requires the same features.
//
// Facts the store keeps only in their current state (a partner's tier and standing, an account's
// vertical, a deal's discount) are read as they are now; they change rarely and are not outcomes.
//
// # Figures on the demo company
//
// `tandem demo -db FILE -no-serve` (seed 1, generator version 6, whose outcomes have documented drivers:
// internal/demo winLogit and conflictPropensity) then `tandem predict retrain -db FILE`, measured
// 2026-12-03; the held-out window is the latest ~20% of examples, which training never saw:
//
//	conflict risk    658 registrations submitted through Tandem since the first recorded conflict,
//	                 trained on 2026-07-22..2026-09-22, held out 2026-10-13..2026-11-02 (131 rows,
//	                 12.2% positive): AUC 0.754 (naive Bayes 0.684, logistic 0.678), Brier 0.095
//	                 (NB 0.117), calibration error 0.051 (NB 0.110)
//	win probability  52,103 closed deals, trained on 2024-09-19..2026-02-02, held out
//	                 2026-06-03..2026-10-04 (10,392 rows, 33.5% won): AUC 0.704 (naive Bayes 0.675,
//	                 logistic 0.702), Brier 0.197 (NB 0.241), calibration error 0.014 (NB 0.167)
//
// Registrations that arrived by import are not examples: they never went through the submission that
// runs conflict detection, so "no conflict" says nothing about them (with them, generator version 5
// gave 3,678 examples at 3.1% positive and AUC 0.682 against naive Bayes 0.737). The conflict model's
// held-out window is small (16 positives), so its figures move by a few points between seeds; the
// promotion rule keeps the better of successive versions, and the baseline is shown beside each on
// the models page.
package prediction
