package receiver

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"image/jpeg"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// PhotosDir is the folder under the data dir that holds every saved JPEG.
const PhotosDir = "photos"

// errNotJPEG means base64 data decoded to something that is not a JPEG image.
var errNotJPEG = errors.New("not a JPEG image")

// decodeJPEG reads base64 image data as devices send it (standard or URL alphabet, with or without padding,
// line breaks, a data: URL prefix) and checks that it is a JPEG.
func decodeJPEG(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "data:") {
		if i := strings.Index(s, ","); i >= 0 {
			s = s[i+1:]
		}
	}
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s)
	}
	var (
		img []byte
		err error
	)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if img, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return nil, errors.New("not base64 data")
	}
	return checkJPEG(img)
}

// checkJPEG checks that img starts like a JPEG and that its header reads (the image is not decoded).
func checkJPEG(img []byte) ([]byte, error) {
	if len(img) < 4 || img[0] != 0xFF || img[1] != 0xD8 || img[2] != 0xFF {
		return nil, errNotJPEG
	}
	if _, err := jpeg.DecodeConfig(bytes.NewReader(img)); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotJPEG, err)
	}
	return img, nil
}

// safeName turns a device-supplied id into one path element: letters, digits, '-' and '_' only, at most 64
// bytes. A name that had to change gets a short hash of the original so that "a/b" and "a_b" stay apart.
func safeName(s string) string {
	var b strings.Builder
	changed := false
	for _, r := range s {
		if b.Len() >= 64 {
			changed = true
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
			changed = true
		}
	}
	name := b.String()
	if name == "" || changed {
		sum := sha256.Sum256([]byte(s))
		name += "-" + hex.EncodeToString(sum[:4])
	}
	return name
}

// attendancePhotoPath is photos/<device>/<yyyy-mm-dd>/<user>_<hhmmss>.jpg, slash-separated, relative to the
// data dir. local is the device wall clock, "2006-01-02 15:04:05".
func attendancePhotoPath(stgid, userID, local string) string {
	date, clock := local[:10], strings.ReplaceAll(local[11:], ":", "")
	return path.Join(PhotosDir, safeName(stgid), date, safeName(userID)+"_"+clock+".jpg")
}

// templatePhotoPath is photos/<device>/users/<user>_face_<index>.jpg or <user>_userphoto.jpg.
func templatePhotoPath(stgid, userID, templateType, index string) string {
	name := safeName(userID) + "_userphoto.jpg"
	if index != "" {
		name = safeName(userID) + "_" + strings.ToLower(safeName(templateType)) + "_" + safeName(index) + ".jpg"
	}
	return path.Join(PhotosDir, safeName(stgid), "users", name)
}

// writeFile writes data at rel (slash-separated, under dataDir/photos) through a temporary file and a rename,
// so that a reader never sees half a photo. The file is synced here, or (where syncBatch can) with the
// journal batch of its callback, before the callback is answered. It refuses any path that would leave the
// photos folder.
func writeFile(dataDir, rel string, data []byte) error {
	if !filepath.IsLocal(filepath.FromSlash(rel)) || !strings.HasPrefix(rel, PhotosDir+"/") {
		return fmt.Errorf("photo path %q is outside %s", rel, PhotosDir)
	}
	full := filepath.Join(dataDir, filepath.FromSlash(rel))
	dir := filepath.Dir(full)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("photo folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".photo-*")
	if err != nil {
		return fmt.Errorf("photo: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil && syncEachFile {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), full)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("photo: %w", err)
	}
	return nil
}

// fileExists reports whether rel (slash-separated, relative to dataDir) is a regular file.
func fileExists(dataDir, rel string) bool {
	info, err := os.Stat(filepath.Join(dataDir, filepath.FromSlash(rel)))
	return err == nil && info.Mode().IsRegular()
}
