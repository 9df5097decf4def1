package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"github.com/camsdesk/camsdesk/data/export"
)

// exportPlan is one export a screen offers: a sheet of columns and how to write its rows.
type exportPlan struct {
	name    string // file name offered, without extension
	sheet   string
	columns []export.Column
	total   int64 // rows expected, for the progress bar; 0 when unknown
	noun    string
	// write writes the rows and returns how many; it calls progress with the count now and then.
	write func(ctx context.Context, w export.Writer, progress func(done int64)) (int64, error)
}

// chooseExportFile asks where to save and hands the chosen path (or, for a non-file location, the open
// writer) to done on the UI goroutine.
func chooseExportFile(win fyne.Window, name string, f export.Format, done func(path string, w fyne.URIWriteCloser)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			dialog.ShowError(err, win)
			return
		}
		if w == nil {
			return
		}
		if w.URI().Scheme() == "file" {
			path := w.URI().Path()
			w.Close()
			done(path, nil)
			return
		}
		done("", w)
	}, win)
	d.SetFileName(name + f.Ext())
	d.SetFilter(storage.NewExtensionFileFilter([]string{f.Ext()}))
	d.Show()
}

// runExport writes plan in format f to path (or to w when path is "") on its own goroutine, showing
// progress on strip; Cancel stops it and leaves no file behind.
func runExport(svc *Services, strip *jobStrip, plan exportPlan, f export.Format, path string, w fyne.URIWriteCloser) {
	where := path
	if where == "" && w != nil {
		where = w.URI().Name()
	}
	ctx := strip.start(fmt.Sprintf("Exporting %s to %s…", plan.noun, filepath.Base(where)), false)
	if ctx == nil { // another job runs: leave nothing half made
		if w != nil {
			w.Close()
		}
		if path != "" {
			os.Remove(path)
		}
		return
	}
	tick := &throttle{svc: svc, interval: 100 * time.Millisecond}
	progress := func(done int64) {
		tick.do(func() {
			if plan.total > 0 {
				strip.progress(float64(done)/float64(plan.total),
					fmt.Sprintf("Exporting: %s of %s…", thousands(done), rowsText(plan.total, plan.noun)))
			} else {
				strip.progress(0.5, fmt.Sprintf("Exporting: %s…", rowsText(done, plan.noun)))
			}
		})
	}
	started := time.Now()
	type outcome struct {
		n   int64
		err error
	}
	background(svc, func() outcome {
		var n int64
		write := func(out io.Writer) error {
			ew, err := export.New(out, f, plan.sheet, plan.columns)
			if err != nil {
				return err
			}
			if n, err = plan.write(ctx, ew, progress); err != nil {
				ew.Close()
				return err
			}
			return ew.Close()
		}
		var err error
		if path != "" {
			err = export.WriteFile(path, write)
			if err != nil {
				os.Remove(path) // the empty file the save dialog made
			}
		} else {
			err = write(w)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
		}
		return outcome{n, err}
	}, func(o outcome) {
		switch {
		case errors.Is(o.err, context.Canceled):
			strip.finish("Nothing was saved.", o.err)
		case o.err != nil:
			strip.finish("", fmt.Errorf("the export failed: %w", o.err))
		default:
			strip.finish(fmt.Sprintf("Exported %s to %s in %s.", rowsText(o.n, plan.noun), where,
				time.Since(started).Round(100*time.Millisecond)), nil)
		}
	})
}

// exportName is a file name for an export: "punches 2025-04-01 to 2025-04-30".
func exportName(what, from, to string) string {
	switch {
	case from != "" && to != "":
		return fmt.Sprintf("%s %s to %s", what, from, to)
	case from != "":
		return fmt.Sprintf("%s from %s", what, from)
	case to != "":
		return fmt.Sprintf("%s to %s", what, to)
	}
	return strings.TrimSpace(what + " " + time.Now().Format("2006-01-02"))
}
