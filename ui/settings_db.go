package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
)

// The database choices of the Database card.
const (
	dbChoiceSQLite   = "SQLite file in the data folder (this PC only)"
	dbChoicePostgres = "PostgreSQL server (several PCs share it)"
)

// dbSettings is the Database card of Settings: SQLite in the data folder, or a PostgreSQL server that several
// PCs share (its password in a masked field of its own), a Test button, and whether this PC receives callbacks.
type dbSettings struct {
	svc      *Services
	win      fyne.Window
	kind     *widget.RadioGroup
	url      *widget.Entry
	password *widget.Entry
	test     *widget.Button
	receive  *widget.Check
	inUse    *widget.Label
	note     *widget.Label
	quiet    bool
	card     fyne.CanvasObject
}

func newDBSettings(svc *Services, win fyne.Window) *dbSettings {
	d := &dbSettings{svc: svc, win: win, url: widget.NewEntry(), password: widget.NewPasswordEntry(),
		inUse: widget.NewLabel(""), note: widget.NewLabel("")}
	d.inUse.Wrapping = fyne.TextWrapWord
	d.note.Wrapping = fyne.TextWrapWord
	d.url.SetPlaceHolder("postgres://camsdesk@db.example.com:5432/camsdesk")
	d.password.SetPlaceHolder("password (or none: PGPASSWORD or .pgpass)")
	d.kind = widget.NewRadioGroup([]string{dbChoiceSQLite, dbChoicePostgres}, func(string) { d.showKind() })
	d.test = widget.NewButtonWithIcon("Test", theme.ViewRefreshIcon(), d.onTest)
	use := widget.NewButton("Use this database", d.onUse)
	d.receive = widget.NewCheck("Receive callbacks on this PC", d.onReceive)

	base, password := splitDSN(svc.Config.DB)
	d.url.SetText(base)
	d.password.SetText(password)
	d.quiet = true
	if data.IsPostgresDSN(svc.Config.DB) {
		d.kind.SetSelected(dbChoicePostgres)
	} else {
		d.kind.SetSelected(dbChoiceSQLite)
	}
	d.receive.SetChecked(!svc.Config.ReceiverOff)
	d.quiet = false
	d.showKind()
	d.showInUse()

	help := widget.NewLabel("With one PostgreSQL database, several PCs see the same punches. One of them (or camsd serve) " +
		"receives the callbacks; the others show what it stores within a second or two. Another database is used from the next start.")
	help.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem("Server URL", d.url),
		widget.NewFormItem("Password", d.password),
	)
	d.card = widget.NewCard("Database", "", container.NewVBox(d.inUse, d.kind, form,
		container.NewHBox(d.test, use, layout.NewSpacer()), d.receive, help, d.note))
	return d
}

// shown follows changes made elsewhere (the receiver turned on or off from the status bar).
func (d *dbSettings) shown() {
	d.quiet = true
	d.receive.SetChecked(!d.svc.Config.ReceiverOff)
	d.quiet = false
	d.showInUse()
}

func (d *dbSettings) showKind() {
	if d.kind.Selected == dbChoicePostgres {
		d.url.Enable()
		d.password.Enable()
		d.test.Enable()
		return
	}
	d.url.Disable()
	d.password.Disable()
	d.test.Disable()
}

func (d *dbSettings) showInUse() {
	switch {
	case d.svc.Store != nil:
		d.inUse.SetText("In use: " + d.svc.Store.Kind() + " " + d.svc.Store.Path())
	case d.svc.Config.DB != "":
		d.inUse.SetText("Set: " + data.MaskDSN(d.svc.Config.DB))
	default:
		d.inUse.SetText("Set: SQLite in the data folder")
	}
}

// dsn is the database the fields name: "" for SQLite in the data folder.
func (d *dbSettings) dsn() (string, error) {
	if d.kind.Selected != dbChoicePostgres {
		return "", nil
	}
	return joinDSN(strings.TrimSpace(d.url.Text), d.password.Text)
}

// onTest connects to the server in the background and says what it found. Opening brings the database's
// tables up to date, as using it would.
func (d *dbSettings) onTest() {
	dsn, err := d.dsn()
	if err != nil {
		d.note.SetText(sentence(err.Error()))
		return
	}
	d.test.Disable()
	d.note.SetText("Connecting to " + data.MaskDSN(dsn) + "…")
	background(d.svc, func() string { return testDatabase(dsn) }, func(msg string) {
		d.showKind()
		d.note.SetText(msg)
	})
}

// testDatabase opens dsn and describes it in one sentence; errors never show the password.
func testDatabase(dsn string) string {
	store, err := data.Open(dsn)
	if err != nil {
		return "CamsDesk cannot use this database: " + sentence(err.Error())
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg := "Connected to " + store.Kind() + " " + store.Path() + "."
	if ds, err := store.Devices(ctx); err == nil {
		msg += fmt.Sprintf(" It holds %d devices.", len(ds))
	}
	switch r, err := store.ActiveReceiver(ctx, data.ReceiverTTL); {
	case err != nil:
	case r == nil:
		msg += " No PC receives callbacks for it now."
	default:
		msg += " " + remoteName(r) + " receives the callbacks for it."
	}
	return msg
}

// onUse saves the database; CamsDesk opens it at its next start, so nothing is lost midway.
func (d *dbSettings) onUse() {
	dsn, err := d.dsn()
	if err != nil {
		d.note.SetText(sentence(err.Error()))
		return
	}
	if dsn == d.svc.Config.DB {
		d.note.SetText("CamsDesk already uses this database.")
		return
	}
	if err := d.svc.UpdateConfig(func(c *data.Config) error { c.DB = dsn; return nil }); err != nil {
		d.note.SetText("Not saved: " + problemList(err))
		return
	}
	where := "SQLite in the data folder"
	if dsn != "" {
		where = data.MaskDSN(dsn)
	}
	d.note.SetText("Saved. CamsDesk uses " + where + " from its next start.")
	d.showInUse()
}

func (d *dbSettings) onReceive(on bool) {
	if d.quiet {
		return
	}
	err := d.svc.SetReceiverOff(!on)
	if d.svc.Config.ReceiverOff == on { // not saved: show what holds
		d.quiet = true
		d.receive.SetChecked(!d.svc.Config.ReceiverOff)
		d.quiet = false
		d.note.SetText("Not changed: " + sentence(errText(err)))
		return
	}
	switch {
	case !on:
		d.note.SetText("This PC no longer receives callbacks; it shows what the receiving PC stores.")
	case err != nil:
		d.note.SetText("Saved. This PC does not receive yet: " + sentence(err.Error()))
	default:
		d.note.SetText("This PC receives callbacks again.")
	}
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// splitDSN returns a PostgreSQL URL without its password, and the password ("" when none). Anything else is
// returned as it is.
func splitDSN(dsn string) (base, password string) {
	if !data.IsPostgresDSN(dsn) {
		return "", ""
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return data.MaskDSN(dsn), ""
	}
	if p, ok := u.User.Password(); ok {
		password = p
		name := u.User.Username()
		u.User = nil
		if name != "" {
			u.User = url.User(name)
		}
	}
	if q := u.Query(); q.Has("password") {
		if password == "" {
			password = q.Get("password")
		}
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String(), password
}

// joinDSN puts password into the PostgreSQL URL base ("" leaves it without one).
func joinDSN(base, password string) (string, error) {
	if !data.IsPostgresDSN(base) {
		return "", errors.New("the server URL starts with postgres://, e.g. postgres://camsdesk@db.example.com:5432/camsdesk")
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", errors.New("the server URL is not a URL; write it as postgres://USER@HOST:5432/DATABASE")
	}
	if _, has := u.User.Password(); has || u.Query().Has("password") {
		return "", errors.New("put the password in the Password field, not in the URL")
	}
	if password != "" {
		name := ""
		if u.User != nil {
			name = u.User.Username()
		}
		u.User = url.UserPassword(name, password)
	}
	return u.String(), nil
}
