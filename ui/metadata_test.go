package ui

import (
	"testing"

	"github.com/BurntSushi/toml"
)

func TestMetadataMatchesFyneApp(t *testing.T) {
	var file struct {
		Details struct {
			ID, Name, Icon string
		}
		Migrations map[string]bool
	}
	if _, err := toml.DecodeFile("../FyneApp.toml", &file); err != nil {
		t.Fatal(err)
	}
	m := Metadata("test")
	if file.Details.ID != m.ID || file.Details.Name != m.Name {
		t.Errorf("FyneApp.toml says %s %q, the code %s %q", file.Details.ID, file.Details.Name, m.ID, m.Name)
	}
	if !file.Migrations["fyneDo"] || !m.Migrations["fyneDo"] {
		t.Errorf("fyneDo migration: FyneApp.toml %v, code %v", file.Migrations["fyneDo"], m.Migrations["fyneDo"])
	}
	if file.Details.Icon != "assets/icon.png" || len(m.Icon.Content()) == 0 {
		t.Errorf("icon: FyneApp.toml %q, code %d bytes", file.Details.Icon, len(m.Icon.Content()))
	}
}
