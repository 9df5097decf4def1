package device

// Sample values for the catalogue's forms and golden files. They are valid in shape (the JPEG decodes, the
// blobs are base64) but enrol nobody: real templates come from a device through UserUpdated callbacks.
const (
	sampleUserID    = "100"
	sampleFirstName = "Asha"
	sampleLastName  = "Verma"
	sampleCard      = "12345678"
	samplePIN       = "4321"

	// sampleJPEG is an 8×8 grey JPEG (380 bytes), standing in for a face template or a user photo.
	sampleJPEG = "/9j/2wCEABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2MBERISGBUYLxoaL2NCOEJjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY//AAAsIAAgACAEBEQD/xADSAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAAgBAQAAPwCv4Xs/ucV//9k="
	// sampleFingerprint and samplePalm are opaque 48- and 36-byte blobs.
	sampleFingerprint = "U1MyMZ/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW"
	samplePalm        = "UEFMTdsQRXqv5BlOg7jtIleMwfYrYJXK/zRpntMIPXKn3BFG"

	sampleStartTime = "2025-01-01 00:00:00"
	sampleEndTime   = "2025-01-31 23:59:59"
	sampleAccessEnd = "2025-12-31 23:59:59"
)
