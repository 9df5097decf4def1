package ui

import (
	"os"
	"strings"
	"testing"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

func TestUseEnvOverridesWithoutSavingSecrets(t *testing.T) {
	svc, _ := testServices(t)
	fileToken := strings.Repeat("f", device.TokenLength)
	envToken := strings.Repeat("e", device.TokenLength)
	saved := *svc.Config
	saved.Devices = []device.Profile{{Name: "default", Endpoint: "https://gw.example.com/external/api3.0/biometric",
		STGID: "STG1", AuthToken: fileToken}}
	env := map[string]string{data.EnvAuthToken: envToken, data.EnvPort: "5077"}
	if err := svc.UseEnv(&saved, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if got := svc.Profiles()[0].AuthToken; got != envToken {
		t.Fatalf("effective token = %s, want the environment's", device.Mask(got))
	}
	if !strings.HasSuffix(svc.Config.Listen, ":5077") {
		t.Fatalf("listen = %q, want port 5077 from CAMS_PORT", svc.Config.Listen)
	}

	err := svc.UpdateConfig(func(c *data.Config) error { c.ShiftStart = "08:30"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(svc.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), envToken) || strings.Contains(string(raw), "5077") {
		t.Fatalf("the settings file holds the environment's overrides:\n%s", raw)
	}
	if !strings.Contains(string(raw), fileToken) || !strings.Contains(string(raw), "08:30") {
		t.Fatalf("the settings file lost its own values:\n%s", raw)
	}
	if got := svc.Profiles()[0].AuthToken; got != envToken {
		t.Fatalf("after saving, effective token = %s, want the environment's", device.Mask(got))
	}
}
