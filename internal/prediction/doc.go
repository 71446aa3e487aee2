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
// `tandem demo` (seed 1) then `tandem predict retrain -db tandem-demo.db -now 2026-11-15`, measured
// 2026-12-03 (seed 1; the held-out window is the latest ~20% of examples, which training never saw):
//
//	conflict risk    2,884 registrations since the first recorded conflict (2026-07-21), trained on
//	                 2026-07-21..2026-09-09, held out 2026-09-30..2026-10-15 (557 rows, 5.4% positive):
//	                 AUC 0.725 (naive Bayes 0.755), Brier 0.041, calibration error 0.039
//	win probability  52,018 closed deals, trained on 2024-08-26..2026-01-23, held out
//	                 2026-05-24..2026-10-04 (10,393 rows, 28.1% won): AUC 0.542 (naive Bayes 0.545),
//	                 Brier 0.201, calibration error 0.005
//
// Retrained on 2026-12-03 (registrations up to 2026-11-02 now have a known outcome), the conflict
// model held out 2026-10-16..2026-11-02 (721 rows, 4.0% positive): AUC 0.706 (naive Bayes 0.739),
// calibration error 0.013; the version in force, measured again on that window, scores 0.733, so the
// new version is stored and not promoted.
//
// The demo's conflicts are few (173, all since July 2026) and its deal outcomes barely depend on what is
// known when a deal opens, so both models are modest there; the promotion rule keeps the better of
// successive versions, and the baseline is shown beside each on the models page.
package prediction
