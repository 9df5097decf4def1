package autostart

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// xdgPath is $XDG_CONFIG_HOME/autostart/ID.desktop, ~/.config/autostart/ID.desktop by default.
func xdgPath(e Entry) (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return "", errors.New("autostart: no home folder to put the autostart file in")
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", e.ID+".desktop"), nil
}

// desktopFile is the XDG autostart entry for e.
func desktopFile(e Entry) []byte {
	args := make([]string, len(e.Exec))
	for i, a := range e.Exec {
		args[i] = quoteExecArg(a)
	}
	var b strings.Builder
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=" + oneLine(e.Name) + "\n")
	b.WriteString("Exec=" + strings.Join(args, " ") + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return []byte(b.String())
}

// quoteExecArg quotes an argument of a desktop entry's Exec key as the Desktop Entry Specification says:
// arguments with reserved characters go in double quotes, with ", `, $ and \ escaped by a backslash, and
// the % of field codes doubled.
func quoteExecArg(a string) string {
	a = strings.ReplaceAll(a, "%", "%%")
	if a != "" && !strings.ContainsAny(a, " \t\n\"'\\><~|&;$*?#()`=") {
		return a
	}
	r := strings.NewReplacer(`\`, `\\\\`, `"`, `\\"`, "`", "\\\\`", `$`, `\\$`)
	return `"` + r.Replace(oneLine(a)) + `"`
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
