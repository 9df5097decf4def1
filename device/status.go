package device

import "fmt"

// Status explains one RESTful status code in plain words.
type Status struct {
	Code    int
	Meaning string
	// Older is the API 2.0 reading where it differs from the 3.0 one.
	Older string
	Hint  string
	// Unsupported marks codes that mean "this device cannot do that", not a fault.
	Unsupported bool
}

// StatusBusy is the gateway's "busy with another call for this device group".
const StatusBusy = 37

var statuses = map[int]Status{
	0:   {Code: 0, Meaning: "done", Hint: "The gateway accepted the request. Commands reach the device in about 15 seconds."},
	1:   {Code: 1, Meaning: "invalid request data", Hint: "A field is missing or malformed. Check the values in the form; the raw JSON shows what was sent."},
	2:   {Code: 2, Meaning: "invalid service tag id (stgid)", Hint: "Copy the service tag id of this device from API Monitor into the device settings."},
	3:   {Code: 3, Meaning: "invalid request", Older: "origin IP not registered in API Monitor", Hint: "API Monitor accepts calls only from registered IP addresses. Register this PC's public IP address in API Monitor (it changes on most home and office lines), then try again."},
	4:   {Code: 4, Meaning: "invalid encryption", Hint: "The security key does not match the one in API Monitor. Copy it again, or clear it if the device has none."},
	5:   {Code: 5, Meaning: "device offline", Older: "no valid subscription", Hint: "The device is not connected to the gateway, or its API subscription has ended. Check its network and its subscription in API Monitor."},
	6:   {Code: 6, Meaning: "operation timeout", Older: "invalid operation", Hint: "The device did not answer in time. Check that it is online and try again in a minute."},
	7:   {Code: 7, Meaning: "invalid auth token", Hint: "Copy the 32-character auth token of this device from API Monitor into the device settings."},
	8:   {Code: 8, Meaning: "user already exists", Hint: "This user ID is already on the device. Delete it first or choose another ID."},
	9:   {Code: 9, Meaning: "user not found", Hint: "No user with this ID is on the device. Check the ID, or resend all users to refresh the list."},
	10:  {Code: 10, Meaning: "template error", Hint: "A template is malformed or of the wrong type. Use templates captured by a Cams device."},
	11:  {Code: 11, Meaning: "device memory full", Hint: "The device has no room for more users or logs. Delete old logs or unused users."},
	12:  {Code: 12, Meaning: "invalid API request info", Hint: "The request does not match what the gateway expects. Check the operation's fields."},
	13:  {Code: 13, Meaning: "invalid security key", Hint: "The security key is wrong. Copy it again from API Monitor."},
	14:  {Code: 14, Meaning: "invalid operation data", Hint: "A value in the request is not accepted. Check dates, IDs and template data."},
	15:  {Code: 15, Meaning: "feature not supported", Older: "invalid template", Hint: "This device cannot do this operation (devices connected by database pull or file monitoring only send attendance).", Unsupported: true},
	19:  {Code: 19, Meaning: "invalid raw data: the device expects an encrypted body", Hint: "This device has a security key in API Monitor. Enter it in the device settings."},
	29:  {Code: 29, Meaning: "the device's API version in API Monitor is not 3.0", Hint: "Set the device's API version to 3.0 in API Monitor."},
	33:  {Code: 33, Meaning: "operation not enabled", Hint: "Enable this operation in API Monitor's extended settings for the device."},
	35:  {Code: 35, Meaning: "operation not allowed for this device", Hint: "This device's connection mode does not allow this operation.", Unsupported: true},
	37:  {Code: 37, Meaning: "busy with another call for this device group", Hint: "The gateway is handling another call for this device. Try again in a few seconds."},
	38:  {Code: 38, Meaning: "reading logs over REST is not allowed for this device", Hint: "Attendance for this device arrives by callback only. Use Resend Attendance instead.", Unsupported: true},
	999: {Code: 999, Meaning: "unknown error", Hint: "The gateway reported an unknown error. Try again later; if it persists, contact Cams support with the operation ID."},
}

// LookupStatus explains code; unknown codes get a generic explanation.
func LookupStatus(code int) Status {
	if s, ok := statuses[code]; ok {
		return s
	}
	return Status{Code: code, Meaning: fmt.Sprintf("status %d", code), Hint: "The gateway answered with a status this version does not know. Contact Cams support with the operation ID."}
}

// Statuses lists every known status code in ascending order.
func Statuses() []Status {
	out := make([]Status, 0, len(statuses))
	for code := 0; code <= 999; code++ {
		if s, ok := statuses[code]; ok {
			out = append(out, s)
		}
	}
	return out
}

// Describe is "status N: meaning" with the older reading when it differs.
func (s Status) Describe() string {
	d := fmt.Sprintf("status %d: %s", s.Code, s.Meaning)
	if s.Older != "" {
		d += " (API 2.0: " + s.Older + ")"
	}
	return d
}
