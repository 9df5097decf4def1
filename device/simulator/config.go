package simulator

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/camsdesk/camsdesk/device"
)

// Validate checks the configuration and returns every problem joined. Secrets are described, never quoted.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if strings.ContainsAny(c.STGID, " /?&#%") {
		errs = append(errs, errors.New("stgid: no spaces or URL characters"))
	}
	for _, tok := range []struct{ name, value string }{
		{"auth token", c.AuthToken}, {"callback token", c.CallbackToken}, {"security key", c.SecurityKey},
	} {
		if tok.value != "" && len(tok.value) != device.TokenLength {
			errs = append(errs, fmt.Errorf("%s: must be %d characters, got %d", tok.name, device.TokenLength, len(tok.value)))
		}
	}
	if c.CallbackURL != "" {
		if err := device.ValidateEndpoint(c.CallbackURL); err != nil {
			errs = append(errs, fmt.Errorf("callback URL: %w", err))
		}
	}
	if c.PageSize > 1000 {
		errs = append(errs, fmt.Errorf("page size: at most 1000 rows, got %d", c.PageSize))
	}
	return errors.Join(errs...)
}

// callbackTarget is the callback URL with ?stgid= set, as gateways append it; "" when there is none.
func callbackTarget(raw, stgid string) string {
	if strings.TrimSpace(raw) == "" {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return ""
	}
	q := u.Query()
	q.Set("stgid", stgid)
	u.RawQuery = q.Encode()
	return u.String()
}

// CallbackTarget is where callbacks are POSTed (the callback URL with ?stgid=), or "" when none is configured.
func (g *Gateway) CallbackTarget() string { return g.callbackURL }
