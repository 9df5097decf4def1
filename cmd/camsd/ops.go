package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/device"
)

// newOpsCmd is "camsd ops": the catalogue of RESTful operations.
func newOpsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "ops [--format table|json]",
		Short: "List the 27 RESTful operations a device accepts (numbers 12 to 38)",
		Long: `ops lists the RESTful operations of the Cams Web API 3.0 that 'camsd send' sends: number, name, group,
and whether they destroy data on the device. --format json adds each operation's title, description and
parameters with their sample values.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch strings.ToLower(strings.TrimSpace(format)) {
			case "", "table":
				return writeOpsTable(cmd)
			case "json":
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				return enc.Encode(catalogJSON())
			}
			return usageError(fmt.Errorf("--format: use table or json, not %q", format))
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}

func writeOpsTable(cmd *cobra.Command) error {
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NO\tNAME\tGROUP\tDESTRUCTIVE")
	for _, op := range device.Catalog() {
		destructive := ""
		if op.Destructive {
			destructive = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", op.Number, op.Name, op.Group, destructive)
	}
	return tw.Flush()
}

type opJSON struct {
	Number      int         `json:"number"`
	Name        string      `json:"name"`
	Title       string      `json:"title"`
	Group       string      `json:"group"`
	Description string      `json:"description"`
	Destructive bool        `json:"destructive"`
	Queued      bool        `json:"queued"`
	Params      []paramJSON `json:"params"`
}

type paramJSON struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Kind     string   `json:"kind"`
	Sample   string   `json:"sample"`
	Required bool     `json:"required"`
	Help     string   `json:"help,omitempty"`
	Choices  []string `json:"choices,omitempty"`
}

func catalogJSON() []opJSON {
	var out []opJSON
	for _, op := range device.Catalog() {
		o := opJSON{Number: op.Number, Name: op.Name, Title: op.Title, Group: string(op.Group), Description: op.Description,
			Destructive: op.Destructive, Queued: op.Queued, Params: []paramJSON{}}
		for _, p := range op.Params {
			o.Params = append(o.Params, paramJSON{Name: p.Name, Label: p.Label, Kind: string(p.Kind), Sample: p.Sample,
				Required: p.Required, Help: p.Help, Choices: p.Choices})
		}
		out = append(out, o)
	}
	return out
}
