package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

func newReplayCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "replay",
		Short: "Store the journaled callbacks the database does not have yet (safe to run again)",
		Long: `replay reads the callback journal (journal/ in the data folder) and stores every callback newer than
the last one in the database: those received while the database was unavailable, or all of them into a
new, empty database. Callbacks already stored are never stored twice. serve does the same when it starts;
replay cannot run while serve or the desktop app uses the same data folder.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadValidSettings(cmd)
			if err != nil {
				return err
			}
			store, err := openStore(cfg)
			if err != nil {
				return failure(err)
			}
			defer store.Close()
			lease, err := claimReplayLease(cmd.Context(), store)
			if err != nil {
				return failure(err)
			}
			defer lease.Release(context.Background())
			profiles := append([]device.Profile(nil), cfg.Devices...)
			rcv, err := receiver.New(receiver.Options{
				Store:    store,
				DataDir:  cfg.DataDir,
				Profiles: func() []device.Profile { return profiles },
				Logger:   slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn})),
			})
			if err != nil {
				return failure(err)
			}
			startErr := rcv.Start(cmd.Context())
			closeErr := rcv.Close(context.Background())
			if err := errors.Join(startErr, closeErr); err != nil {
				return failure(err)
			}
			st := rcv.Stats()
			if st.Pending {
				return failure(fmt.Errorf("the database did not take the journal: %s", st.LastError))
			}
			last, err := store.LastJournalSeq(cmd.Context())
			if err != nil {
				return failure(err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "replay: %d callbacks stored from the journal; the database is complete up to callback %d\n", st.Replayed, last)
			return err
		},
	}
}
