package receiver

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"
	"sync"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// directory maps what a callback says about its device (stgid, serial number, token) to a profile, and
// stgids to store ids.
type directory struct {
	profiles func() []device.Profile
	store    *data.Store

	mu      sync.RWMutex
	serials map[string]string // serial number → stgid, as the store has seen them
	ids     map[string]known  // stgid → store id and the name it was stored with
}

type known struct {
	id   uint
	name string
}

func newDirectory(profiles func() []device.Profile, store *data.Store) *directory {
	return &directory{profiles: profiles, store: store, serials: map[string]string{}, ids: map[string]known{}}
}

// load reads the serial numbers the store has seen.
func (d *directory) load(ctx context.Context) error {
	devs, err := d.store.Devices(ctx)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, dev := range devs {
		if dev.SerialNumber != "" {
			d.serials[dev.SerialNumber] = dev.STGID
		}
	}
	return nil
}

func (d *directory) stgidOfSerial(serial string) string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.serials[serial]
}

func (d *directory) sawSerial(serial, stgid string) {
	if serial == "" || stgid == "" {
		return
	}
	d.mu.RLock()
	same := d.serials[serial] == stgid
	d.mu.RUnlock()
	if !same {
		d.mu.Lock()
		d.serials[serial] = stgid
		d.mu.Unlock()
	}
}

// deviceID returns the store id of a profile, creating the device row on first use or when its name changed.
// Only the writer calls it.
func (d *directory) deviceID(ctx context.Context, stgid, name string) (uint, error) {
	d.mu.RLock()
	k, ok := d.ids[stgid]
	d.mu.RUnlock()
	if ok && k.name == name {
		return k.id, nil
	}
	dev, err := d.store.EnsureDevice(ctx, stgid, name)
	if err != nil {
		return 0, err
	}
	d.mu.Lock()
	d.ids[stgid] = known{dev.ID, name}
	d.mu.Unlock()
	return dev.ID, nil
}

func profileBySTGID(profiles []device.Profile, stgid string) (device.Profile, bool) {
	stgid = strings.TrimSpace(stgid)
	for _, p := range profiles {
		if p.STGID == stgid {
			return p, true
		}
	}
	return device.Profile{}, false
}

// expectedToken is the token a profile's callbacks must carry: its callback token, else its auth token.
func expectedToken(p device.Profile) string {
	if p.CallbackAuthToken != "" {
		return p.CallbackAuthToken
	}
	return p.AuthToken
}

// tokenMatches compares in constant time.
func tokenMatches(p device.Profile, got string) bool {
	want := expectedToken(p)
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// profileByToken returns the first profile whose token matches, comparing against every profile so that
// the time taken does not depend on which one matched. shared is true when several profiles match.
func profileByToken(profiles []device.Profile, token string) (p device.Profile, ok, shared bool) {
	if token == "" {
		return device.Profile{}, false, false
	}
	for _, q := range profiles {
		if tokenMatches(q, token) {
			if ok {
				shared = true
				continue
			}
			p, ok = q, true
		}
	}
	return p, ok, shared
}

// openBody returns plain JSON: as it came, or decrypted with the key (new, then old) of the given profile,
// else of any profile. by is the profile whose key opened it (nil for plain JSON).
func openBody(body []byte, prof *device.Profile, profiles []device.Profile) (plain []byte, by *device.Profile, err error) {
	candidates := profiles
	if prof != nil {
		candidates = []device.Profile{*prof}
	}
	var keys []string
	owners := map[string]int{}
	for i, p := range candidates {
		for _, k := range []string{p.SecurityKey, p.OldSecurityKey} {
			if k == "" {
				continue
			}
			if _, seen := owners[k]; !seen {
				owners[k] = i
				keys = append(keys, k)
			}
		}
	}
	if t := trimmedFirst(body); t == '{' || t == '[' || len(keys) == 0 {
		plain, err = device.Open(body)
		return plain, nil, err
	}
	for _, k := range keys {
		if plain, err := device.Decrypt(body, k); err == nil {
			p := candidates[owners[k]]
			return plain, &p, nil
		}
	}
	_, err = device.Open(body, keys...)
	return nil, nil, err
}

func trimmedFirst(b []byte) byte {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c
		}
	}
	return 0
}

// unknownDevice explains why no profile matched.
func unknownDevice(serial string) string {
	if serial != "" {
		return fmt.Sprintf("unknown device: no stgid in the callback URL, serial number %q not seen before, and no device's callback token matches", serial)
	}
	return "unknown device: no stgid in the callback URL, no serial number, and no device's callback token matches"
}
