// Package prediction brings the predict engine to the company's own history: it builds training
// examples from the store (conflict risk: one per past registration, with what was known at its
// submit; win probability: one per closed deal, with what was known when it opened), trains a version
// of each model on a time split so that the held-out window is the latest one, stores the version with
// its metrics, promotes it only when it is not worse than the version in force (predict.Promote), and
// scores the open registrations and deals with the promoted version, storing the version with each
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
package prediction
