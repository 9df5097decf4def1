package main

import (
	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/internal/version"
)

// rootCmd is the command tree. A subcommand lives in its own file and registers itself from that file's
// init: func init() { rootCmd.AddCommand(newXxxCmd()) }.
var rootCmd = &cobra.Command{
	Use:   "camssim",
	Short: "A simulated Cams Biometrics gateway and device, for demos, tests and load",
	Long: `camssim plays a Cams Biometrics Web API 3.0 gateway with one attendance device behind it: it answers
the RESTful API like the real gateway (status codes, paging, encryption, one call at a time) and sends the
device's callbacks (punches, photos, user updates, resends) to your callback URL.

The credentials it prints are the simulator's own; they work on no real gateway.`,
	Version:       version.Version,
	SilenceUsage:  true,
	SilenceErrors: false,
}
