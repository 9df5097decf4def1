package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
)

// deviceChoice is a device filter fed from the store: "All devices", then every stored device by name (with
// its stgid when two share a name, or when it has none). Its methods run on the UI goroutine.
type deviceChoice struct {
	svc     *Services
	sel     *widget.Select
	devices []data.Device // in the order of sel.Options after "All devices"
	failed  func(error)
}

func newDeviceChoice(svc *Services, changed func()) *deviceChoice {
	c := &deviceChoice{svc: svc, failed: func(error) {}}
	c.sel = widget.NewSelect([]string{allPunchDevs}, func(string) {
		if changed != nil {
			changed()
		}
	})
	c.sel.SetSelected(allPunchDevs)
	return c
}

type deviceList struct {
	devices []data.Device
	err     error
}

// load reads the stored devices off the UI goroutine, keeping the chosen one when it is still there.
func (c *deviceChoice) load() {
	background(c.svc, func() deviceList {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ds, err := c.svc.Store.Devices(ctx)
		return deviceList{ds, err}
	}, func(r deviceList) {
		if r.err != nil {
			c.failed(fmt.Errorf("the devices could not be read: %w", r.err))
			return
		}
		chosen := c.sel.Selected
		c.devices = r.devices
		c.sel.Options = deviceLabels(r.devices)
		c.sel.Refresh()
		if indexOf(c.sel.Options, chosen) < 0 {
			c.sel.SetSelected(allPunchDevs)
		}
	})
}

// id is the chosen device's id, 0 for all devices.
func (c *deviceChoice) id() uint {
	if i := indexOf(c.sel.Options, c.sel.Selected) - 1; i >= 0 && i < len(c.devices) {
		return c.devices[i].ID
	}
	return 0
}

// byID finds a stored device.
func (c *deviceChoice) byID(id uint) (data.Device, bool) {
	for _, d := range c.devices {
		if d.ID == id {
			return d, true
		}
	}
	return data.Device{}, false
}

// deviceLabels are the choices: "All devices", then the devices' names, unique.
func deviceLabels(ds []data.Device) []string {
	names := map[string]int{}
	for _, d := range ds {
		names[strings.ToLower(strings.TrimSpace(d.Name))]++
	}
	opts := []string{allPunchDevs}
	for _, d := range ds {
		name := strings.TrimSpace(d.Name)
		switch {
		case name == "":
			opts = append(opts, d.STGID)
		case names[strings.ToLower(name)] > 1:
			opts = append(opts, fmt.Sprintf("%s (%s)", name, d.STGID))
		default:
			opts = append(opts, name)
		}
	}
	return opts
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

// deviceLabel names a stored device: its name, else its stgid.
func deviceLabel(d data.Device) string {
	if strings.TrimSpace(d.Name) != "" {
		return d.Name
	}
	return d.STGID
}
