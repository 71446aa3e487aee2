package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/notify"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

const webhookUsage = `Usage:
  tandem webhook add URL [-events KIND,KIND] [-db URL]   subscribe URL; the signing secret is printed once
  tandem webhook list [-db URL]                          list webhooks (never their secret)
  tandem webhook rm ID [-db URL]                         delete a webhook; its pending deliveries fail`

// runWebhook manages webhook subscriptions. The command line acts as the system (an admin).
func runWebhook(ctx context.Context, env *Env, args []string) error {
	return runSubcommand(ctx, env, args, webhookUsage,
		subcommand{"add", runWebhookAdd}, subcommand{"list", runWebhookList}, subcommand{"rm", runWebhookRm})
}

// interleaved lets flags come after the positional argument ("add URL -events x").
func interleaved(args []string) []string {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return append(args[1:len(args):len(args)], args[0])
	}
	return args
}

func runWebhookAdd(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "webhook add", "URL [-events KIND,KIND] [-db URL]")
	events := fs.String("events", "", "comma-separated event kinds, e.g. registration.approve,conflict.* (default: every event)")
	db := databaseFlag(fs)
	url, err := parseExactlyOne(fs, interleaved(args), "URL")
	if err != nil {
		return err
	}
	w := sqlstore.Webhook{URL: url}
	for e := range strings.SplitSeq(*events, ",") {
		if e = strings.TrimSpace(e); e != "" {
			w.Events = append(w.Events, e)
		}
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		secret := notify.NewSecret()
		if err := st.CreateWebhook(ctx, tandem.SystemActor, &w, secret); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "added webhook %d %s\nsecret: %s\n(shown once; the receiver verifies the %s header with it)\n",
			w.ID, w.URL, secret, notify.HeaderSignature)
		return nil
	})
}

func runWebhookList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "webhook list", "[-db URL]")
	db := databaseFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		hooks, err := st.ListWebhooks(ctx, tandem.SystemActor)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tURL\tEVENTS\tCREATED")
		for _, h := range hooks {
			ev := strings.Join(h.Events, ",")
			if ev == "" {
				ev = "*"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", h.ID, h.URL, ev, h.CreatedAt.Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	})
}

func runWebhookRm(ctx context.Context, env *Env, args []string) error {
	return runOnRecord(ctx, env, "webhook rm", "webhook", interleaved(args), func(st *sqlstore.Store, id int64) error {
		if err := st.DeleteWebhook(ctx, tandem.SystemActor, id); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "deleted webhook %d\n", id)
		return nil
	})
}
