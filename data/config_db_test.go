package data

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigDB: the database setting is saved and read back, and never printed with its password.
func TestConfigDB(t *testing.T) {
	const dsn = "postgres://cams:Pa55word@db.example.com/camsdesk"
	path := filepath.Join(t.TempDir(), ConfigFileName)
	c := DefaultConfig()
	c.DB, c.ReceiverOff = dsn, true
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(path)
	if err != nil || got.DB != dsn || !got.ReceiverOff {
		t.Fatalf("read back db %q, receiver off %v, %v", MaskDSN(got.DB), got.ReceiverOff, err)
	}
	for _, shown := range []string{got.String(), got.GoString(), got.Masked().DB} {
		if strings.Contains(shown, "Pa55word") || !strings.Contains(shown, "db.example.com") {
			t.Errorf("printed config shows the password or loses the host:\n%s", shown)
		}
	}
	if got.DB != dsn {
		t.Error("Masked changed the config itself")
	}
}
