package receiver

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncEachFile is false here: syncBatch flushes a batch's photo files together with its journal.
const syncEachFile = false

// syncBatch makes the journal durable, and with files every file written on its file system (one syncfs
// instead of an fsync per photo).
func syncBatch(f *os.File, files bool) error {
	if files {
		return unix.Syncfs(int(f.Fd()))
	}
	return f.Sync()
}
