//go:build !linux

package receiver

import "os"

// syncEachFile is true here: each photo file is synced as it is written.
const syncEachFile = true

// syncBatch makes the journal durable; photo files were synced when written.
func syncBatch(f *os.File, _ bool) error { return f.Sync() }
