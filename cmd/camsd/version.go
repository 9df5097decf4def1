package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/internal/version"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print camsd's version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), versionText())
			return err
		},
	}
}

func versionText() string {
	return fmt.Sprintf("camsd %s\ncommit: %s\ngo: %s\n", version.Version, version.Revision(), version.GoVersion())
}
