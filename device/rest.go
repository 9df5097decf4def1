package device

import (
	"encoding/json"
	"strings"
)

// Request is the body of every RESTful command: one verb section and the authentication fields.
type Request struct {
	Load   *LoadRequest   `json:"Load,omitempty"`
	Add    *AddRequest    `json:"Add,omitempty"`
	Delete *DeleteRequest `json:"Delete,omitempty"`
	Resend *ResendRequest `json:"Resend,omitempty"`
	Enroll *EnrollRequest `json:"Enroll,omitempty"`
	Update *UpdateRequest `json:"Update,omitempty"`

	OperationID string `json:"OperationID"`
	AuthToken   string `json:"AuthToken"`
	Time        string `json:"Time"`
}

// All is the value the spec uses for "every one of them".
const All = "All"

type LoadRequest struct {
	PunchLog          *PunchLogQuery `json:"PunchLog,omitempty"`
	DeviceInformation string         `json:"DeviceInformation,omitempty"`
}

// PunchLogQuery selects punches by device-local time; OffSet pages through a long answer.
type PunchLogQuery struct {
	Filter Filter `json:"Filter"`
}

type Filter struct {
	StartTime string `json:"StartTime"`
	EndTime   string `json:"EndTime"`
	OffSet    string `json:"OffSet,omitempty"`
}

type AddRequest struct {
	User     NewUser        `json:"User"`
	Template []TemplateData `json:"Template,omitempty"`
}

type NewUser struct {
	UserID    string `json:"UserID"`
	FirstName string `json:"FirstName"`
	LastName  string `json:"LastName"`
	UserType  string `json:"UserType"`
}

// TemplateData is a template as a request carries it.
type TemplateData struct {
	Type   string `json:"Type"`
	UserID string `json:"UserID"`
	Data   string `json:"Data"`
	Size   string `json:"Size,omitempty"`
	Index  string `json:"Index,omitempty"`
}

// DeleteRequest: User is UserRef or All; Log and PunchPhoto are All.
type DeleteRequest struct {
	User       any    `json:"User,omitempty"`
	Log        string `json:"Log,omitempty"`
	PunchPhoto string `json:"PunchPhoto,omitempty"`
}

type UserRef struct {
	UserID string `json:"UserID"`
}

type ResendRequest struct {
	PunchLog *PunchLogQuery `json:"PunchLog,omitempty"`
	User     string         `json:"User,omitempty"`
}

type EnrollRequest struct {
	User EnrollUser `json:"User"`
}

type EnrollUser struct {
	UserID    string `json:"UserID"`
	Type      string `json:"Type"`
	FirstName string `json:"FirstName"`
	LastName  string `json:"LastName"`
}

type UpdateRequest struct {
	AccessTime *AccessTime `json:"AccessTime,omitempty"`
	User       *UserAccess `json:"User,omitempty"`
}

type AccessTime struct {
	UserID string `json:"UserID"`
	Start  string `json:"Start"`
	End    string `json:"End"`
}

type UserAccess struct {
	UserID string `json:"UserID"`
	Access string `json:"Access"`
}

// Response is the gateway's answer to any command, errors included (they come with HTTP 200).
type Response struct {
	Status            Text               `json:"Status"`
	OperationID       Text               `json:"OperationID"`
	StatusCode        Number             `json:"StatusCode"`
	Message           Text               `json:"Message,omitempty"`
	DeviceInformation *DeviceInformation `json:"DeviceInformation,omitempty"`
	PunchLog          *PunchLogBatch     `json:"PunchLog,omitempty"`
}

// Code is the status code; a "done" answer without a code is 0, any other answer without one is 999.
func (r *Response) Code() int {
	if r.StatusCode.Valid {
		return r.StatusCode.Int()
	}
	if strings.EqualFold(string(r.Status), "done") {
		return 0
	}
	return 999
}

// DeviceInformation is LoadDeviceInformation's answer. The gateway spells ReigsteredFingerprints.
type DeviceInformation struct {
	DeviceModel                    Text `json:"DeviceModel"`
	Manufacturer                   Text `json:"Manufacturer"`
	MacAddress                     Text `json:"MacAddress"`
	SerialNumber                   Text `json:"SerialNumber,omitempty"`
	StartDate                      Text `json:"StartDate"`
	EndDate                        Text `json:"EndDate"`
	LastConnectedTime              Text `json:"LastConnectedTime"`
	RegisteredUsers                Text `json:"RegisteredUsers"`
	RegisteredFaces                Text `json:"RegisteredFaces"`
	RegisteredFingerprints         Text `json:"ReigsteredFingerprints"`
	MaximumFacesSupported          Text `json:"MaximumFacesSupported"`
	MaximumFingerprintsSupported   Text `json:"MaximumFingerprintsSupported"`
	MaximumAttendanceLogsSupported Text `json:"MaximumAttendanceLogsSupported"`
}

func (d *DeviceInformation) UnmarshalJSON(b []byte) error {
	type plain DeviceInformation
	var aux struct {
		plain
		Correct Text `json:"RegisteredFingerprints"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*d = DeviceInformation(aux.plain)
	if d.RegisteredFingerprints == "" {
		d.RegisteredFingerprints = aux.Correct
	}
	return nil
}
