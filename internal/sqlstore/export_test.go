package sqlstore

import "github.com/tandem-revops/tandem/internal/postgres"

var copyRows = postgres.CopyFrom
