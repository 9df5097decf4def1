//go:build !windows && !darwin

package autostart

func enable(e Entry) error {
	path, err := xdgPath(e)
	if err != nil {
		return err
	}
	return writeFile(path, desktopFile(e))
}

func disable(e Entry) error {
	path, err := xdgPath(e)
	if err != nil {
		return err
	}
	return removeFile(path)
}

func enabled(e Entry) (bool, error) {
	path, err := xdgPath(e)
	if err != nil {
		return false, err
	}
	return fileExists(path)
}
