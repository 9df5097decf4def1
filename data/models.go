package data

import "time"

// Device is a gateway device, unique on its service tag id.
type Device struct {
	ID           uint   `gorm:"primaryKey"`
	STGID        string `gorm:"column:stgid;not null;uniqueIndex:ux_devices_stgid"`
	Name         string `gorm:"not null;default:''"`
	SerialNumber string `gorm:"not null;default:'';index:ix_devices_serial"`
	LabelName    string `gorm:"not null;default:''"`
	Info         string `gorm:"not null;default:''"` // JSON of the last LoadDeviceInformation answer
	InfoAt       *time.Time
	LastSeen     *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// User is a person enrolled on one device. Deleted users stay visible with DeletedAt set.
type User struct {
	ID        uint       `gorm:"primaryKey"`
	DeviceID  uint       `gorm:"not null;uniqueIndex:ux_users_device_user,priority:1"`
	UserID    string     `gorm:"not null;uniqueIndex:ux_users_device_user,priority:2"`
	FirstName string     `gorm:"not null;default:''"`
	LastName  string     `gorm:"not null;default:''"`
	UserType  string     `gorm:"not null;default:''"`
	Access    string     `gorm:"not null;default:''"` // "", AccessEnabled or AccessDisabled
	DeletedAt *time.Time `gorm:"column:deleted_at"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Access values of User.
const (
	AccessEnabled  = "enabled"
	AccessDisabled = "disabled"
)

// Template is one credential of a user, unique on (device, user, type, idx).
type Template struct {
	ID        uint      `gorm:"primaryKey"`
	DeviceID  uint      `gorm:"not null;uniqueIndex:ux_templates_key,priority:1"`
	UserID    string    `gorm:"not null;uniqueIndex:ux_templates_key,priority:2"`
	Type      string    `gorm:"not null;uniqueIndex:ux_templates_key,priority:3"`
	Idx       string    `gorm:"column:idx;not null;default:'';uniqueIndex:ux_templates_key,priority:4"`
	Size      int       `gorm:"not null;default:0"`
	Data      string    `gorm:"not null;default:''"` // verbatim, as received
	Path      string    `gorm:"not null;default:''"` // JPEG saved for Face/UserPhoto, relative to the data dir
	UpdatedAt time.Time `gorm:"not null"`
}

// Canonical template types.
const (
	TemplateCard        = "Card"
	TemplatePassword    = "Password"
	TemplateFingerprint = "Fingerprint"
	TemplateFace        = "Face"
	TemplatePalm        = "Palm"
	TemplateUserPhoto   = "UserPhoto"
)

// Punch is one attendance record, unique on (device, user, utc instant). Its indexes serve the reads:
// (user, device, utc) the key and a user's punches, (device, utc) a device's, utc a date range (a
// local_date filter always comes with a utc bound).
type Punch struct {
	ID          uint      `gorm:"primaryKey"`
	DeviceID    uint      `gorm:"not null;uniqueIndex:ux_punches_user_key,priority:2;index:ix_punches_device_utc,priority:1"`
	UserID      string    `gorm:"not null;uniqueIndex:ux_punches_user_key,priority:1"`
	UTC         time.Time `gorm:"column:utc;not null;uniqueIndex:ux_punches_user_key,priority:3;index:ix_punches_utc;index:ix_punches_device_utc,priority:2"`
	Local       string    `gorm:"not null;default:''"` // device wall clock, LocalLayout
	LocalDate   string    `gorm:"not null;default:''"`
	UTCOffset   int       `gorm:"column:utc_offset;not null;default:0"` // seconds east of UTC
	LogTime     string    `gorm:"not null;default:''"`                  // as received
	Type        string    `gorm:"not null;default:''"`                  // as received: CheckIn, CheckOut, ...
	InputType   string    `gorm:"not null;default:''"`
	Temperature *float64
	FaceMask    *bool
	Source      string `gorm:"not null;default:''"` // SourceCallback, SourceLoadLog or SourceResend
	PhotoPath   string `gorm:"not null;default:''"` // relative to the data dir
	CreatedAt   time.Time
}

// Punch sources.
const (
	SourceCallback = "callback"
	SourceLoadLog  = "loadlog"
	SourceResend   = "resend"
)

// Photo is a JPEG file saved under the data dir.
type Photo struct {
	ID        uint      `gorm:"primaryKey"`
	DeviceID  uint      `gorm:"not null;index:ix_photos_device"`
	UserID    string    `gorm:"not null;index:ix_photos_user"`
	Kind      string    `gorm:"not null"` // PhotoAttendance, PhotoFace or PhotoUser
	UTC       time.Time `gorm:"column:utc;not null;index:ix_photos_utc"`
	Local     string    `gorm:"not null;default:''"`
	LocalDate string    `gorm:"not null;default:''"`
	Path      string    `gorm:"not null;uniqueIndex:ux_photos_path"` // relative to the data dir
	Bytes     int       `gorm:"not null;default:0"`
	CreatedAt time.Time
}

// Photo kinds.
const (
	PhotoAttendance = "attendance"
	PhotoFace       = "face"
	PhotoUser       = "userphoto"
)

// Event is a device event that is neither a punch nor a user update.
type Event struct {
	ID            uint      `gorm:"primaryKey"`
	DeviceID      uint      `gorm:"not null;index:ix_events_device_utc,priority:1"`
	Kind          string    `gorm:"not null"` // EventDateModified or EventUserDeleted
	UserID        string    `gorm:"not null;default:''"`
	Detail        string    `gorm:"not null;default:''"` // e.g. ModifiedTo
	OperationTime string    `gorm:"not null;default:''"` // as received
	UTC           time.Time `gorm:"column:utc;not null;index:ix_events_device_utc,priority:2;index:ix_events_utc"`
	LocalDate     string    `gorm:"not null;default:'';index:ix_events_local_date"` // from OperationTime, else UTC
	CreatedAt     time.Time
}

// Event kinds.
const (
	EventDateModified = "date_modified"
	EventUserDeleted  = "user_deleted"
)

// Callback is the journal entry of one raw callback and what became of it.
type Callback struct {
	ID          uint      `gorm:"primaryKey"`
	Seq         uint64    `gorm:"not null;uniqueIndex:ux_callbacks_seq"` // journal sequence number, never 0
	ReceivedAt  time.Time `gorm:"not null;index:ix_callbacks_received_at"`
	DeviceID    uint      `gorm:"not null;default:0;index:ix_callbacks_device"` // 0 when unresolved
	Kinds       string    `gorm:"not null;default:''"`                          // comma list, e.g. "PunchLog,Log"
	UserID      string    `gorm:"not null;default:''"`
	OperationID string    `gorm:"not null;default:''"`
	Result      string    `gorm:"not null;default:''"` // ResultAccepted, ResultRejected or ResultError
	Reason      string    `gorm:"not null;default:''"`
	Body        string    `gorm:"not null;default:''"` // shortened JSON, tokens and blobs stripped by the caller
}

// Callback results.
const (
	ResultAccepted = "accepted"
	ResultRejected = "rejected"
	ResultError    = "error"
)

// Exchange is one REST call to a device.
type Exchange struct {
	ID          uint      `gorm:"primaryKey"`
	DeviceID    uint      `gorm:"not null;default:0;index:ix_exchanges_device"`
	Operation   string    `gorm:"not null;default:''"`
	OperationID string    `gorm:"not null;default:''"`
	Request     string    `gorm:"not null;default:''"` // token masked by the caller
	Response    string    `gorm:"not null;default:''"`
	StatusCode  int       `gorm:"not null;default:0"`
	Outcome     string    `gorm:"not null;default:''"`
	Error       string    `gorm:"not null;default:''"`
	StartedAt   time.Time `gorm:"not null;index:ix_exchanges_started_at"`
	DurationMS  int64     `gorm:"column:duration_ms;not null;default:0"`
}

// Table names, fixed so that a gorm naming change never renames a table.
func (Device) TableName() string   { return "devices" }
func (User) TableName() string     { return "users" }
func (Template) TableName() string { return "templates" }
func (Punch) TableName() string    { return "punches" }
func (Photo) TableName() string    { return "photos" }
func (Event) TableName() string    { return "events" }
func (Callback) TableName() string { return "callbacks" }
func (Exchange) TableName() string { return "exchanges" }

// LocalLayout is the layout of Punch.Local and Photo.Local; DateLayout of the local_date columns.
const (
	LocalLayout = "2006-01-02 15:04:05"
	DateLayout  = "2006-01-02"
)
