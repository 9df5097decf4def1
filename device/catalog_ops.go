package device

// catalog is the 27 RESTful operations, 12–38, in spec order.
var catalog = buildCatalog()

// Filter times (LoadLog, ResendAttendance). The summary spec leaves StartTime/EndTime as "...". Open-source
// integrations against robot.camsbiometrics.com / robot.camsunit.com write them two ways: the PHP scripts of a
// live deployment (cams-import-history.php, cams-fetch-data.php and a pull-all script, bombayengg.net) send the
// Cams time with its offset ("2025-01-01 00:00:00 GMT +0530", with OffSet paging, encrypted or not); two
// Frappe/ERPNext apps send the bare wall clock ("2023-07-18 22:01:33"). Build keeps what the form holds (a wall
// clock, or a time with an offset); Stamp then writes a bare wall clock as a Cams time in the device's zone,
// the form the live deployment uses. Access times (UpdateAccessTime) stay a wall clock, as in the spec's sample.
func buildCatalog() []Operation {
	ops := []Operation{
		define(Operation{
			Number: 12, Name: "LoadLog", Title: "Load attendance log", Group: GroupLoad,
			Description: "Reads the punches recorded between two device-local times, one page at a time.",
			Params:      filterParams(true),
		}, func(r *paramReader) Request {
			return Request{Load: &LoadRequest{PunchLog: readFilter(r, true)}}
		}, func(req Request) Params {
			if req.Load == nil {
				return Params{}
			}
			return extractFilter(req.Load.PunchLog)
		}),
		define(Operation{
			Number: 13, Name: "LoadDeviceInformation", Title: "Load device information", Group: GroupLoad,
			Description: "Reads the device's model, capacity and how many users, faces and fingerprints it holds.",
		}, func(*paramReader) Request {
			return Request{Load: &LoadRequest{DeviceInformation: All}}
		}, noParams),
	}
	for _, v := range addUserVariants {
		ops = append(ops, addUserOp(v))
	}
	ops = append(ops,
		define(Operation{
			Number: 28, Name: "AddUserWithoutTemplate", Title: "Add user without template", Group: GroupAddUser,
			Queued: true, Params: userParams(),
			Description: "Registers a person on the device by ID and name only, to enrol a finger or face on the device later.",
		}, func(r *paramReader) Request {
			return Request{Add: &AddRequest{User: readUser(r)}}
		}, extractAdd),
		define(Operation{
			Number: 29, Name: "DeleteUser", Title: "Delete user", Group: GroupDelete, Queued: true, Destructive: true,
			Params:      []Param{userIDParam()},
			Description: "Removes one person and all their templates from the device.",
		}, func(r *paramReader) Request {
			return Request{Delete: &DeleteRequest{User: UserRef{UserID: r.userID()}}}
		}, func(req Request) Params {
			return Params{parUserID: deleteUserID(req)}
		}),
		define(Operation{
			Number: 30, Name: "DeleteAllUser", Title: "Delete all users", Group: GroupDelete, Queued: true, Destructive: true,
			Description: "Removes every person and template from the device.",
		}, func(*paramReader) Request {
			return Request{Delete: &DeleteRequest{User: All}}
		}, noParams),
		define(Operation{
			Number: 31, Name: "DeleteLogAll", Title: "Delete all attendance logs", Group: GroupDelete, Queued: true, Destructive: true,
			Description: "Erases every punch stored on the device; punches already received here are kept.",
		}, func(*paramReader) Request {
			return Request{Delete: &DeleteRequest{Log: All}}
		}, noParams),
		define(Operation{
			Number: 32, Name: "DeleteAttendancePhoto", Title: "Delete attendance photos", Group: GroupDelete, Queued: true, Destructive: true,
			Description: "Erases every punch photo stored on the device; photos already received here are kept.",
		}, func(*paramReader) Request {
			return Request{Delete: &DeleteRequest{PunchPhoto: All}}
		}, noParams),
		define(Operation{
			Number: 33, Name: "ResendAttendance", Title: "Resend attendance", Group: GroupResend, Queued: true,
			Params:      filterParams(false),
			Description: "Asks the device to send again, by callback, the punches recorded between two device-local times.",
		}, func(r *paramReader) Request {
			return Request{Resend: &ResendRequest{PunchLog: readFilter(r, false)}}
		}, func(req Request) Params {
			if req.Resend == nil {
				return Params{}
			}
			return extractFilter(req.Resend.PunchLog)
		}),
		define(Operation{
			Number: 34, Name: "ResendAllUser", Title: "Resend all users", Group: GroupResend, Queued: true,
			Description: "Asks the device to send again, by callback, every person it holds with their templates.",
		}, func(*paramReader) Request {
			return Request{Resend: &ResendRequest{User: All}}
		}, noParams),
		define(Operation{
			Number: 35, Name: "EnrollFingerPrint", Title: "Enrol fingerprint", Group: GroupEnrollUpdate, Queued: true,
			Params:      userParams()[:3],
			Description: "Puts the device in fingerprint enrolment for this person; the new template arrives by callback.",
		}, func(r *paramReader) Request {
			return Request{Enroll: &EnrollRequest{User: EnrollUser{
				UserID: r.userID(), Type: Fingerprint, FirstName: r.text(parFirstName, true), LastName: r.text(parLastName, false),
			}}}
		}, func(req Request) Params {
			if req.Enroll == nil {
				return Params{}
			}
			u := req.Enroll.User
			return Params{parUserID: u.UserID, parFirstName: u.FirstName, parLastName: u.LastName}
		}),
		define(Operation{
			Number: 36, Name: "UpdateAccessTime", Title: "Update access time", Group: GroupEnrollUpdate, Queued: true,
			Params: []Param{
				userIDParam(),
				{Name: parStart, Label: "Access from", Kind: ParamDateTime, Sample: sampleStartTime, Required: true,
					Help: "Device-local time, 2006-01-02 15:04:05."},
				{Name: parEnd, Label: "Access until", Kind: ParamDateTime, Sample: sampleAccessEnd, Required: true,
					Help: "Device-local time, 2006-01-02 15:04:05."},
			},
			Description: "Lets this person use the device only between two device-local times.",
		}, func(r *paramReader) Request {
			id := r.userID()
			start, end := r.span(parStart, parEnd, r.wallTime)
			return Request{Update: &UpdateRequest{AccessTime: &AccessTime{UserID: id, Start: start, End: end}}}
		}, func(req Request) Params {
			if req.Update == nil || req.Update.AccessTime == nil {
				return Params{}
			}
			a := req.Update.AccessTime
			return Params{parUserID: a.UserID, parStart: a.Start, parEnd: a.End}
		}),
		define(Operation{
			Number: 37, Name: "EnableUser", Title: "Enable user", Group: GroupEnrollUpdate, Queued: true,
			Params:      []Param{userIDParam()},
			Description: "Lets this person punch on the device again.",
		}, func(r *paramReader) Request {
			return Request{Update: &UpdateRequest{User: &UserAccess{UserID: r.userID(), Access: AccessEnable}}}
		}, func(req Request) Params {
			return Params{parUserID: userAccessID(req)}
		}),
		define(Operation{
			Number: 38, Name: "DisableUser", Title: "Disable user", Group: GroupEnrollUpdate, Queued: true,
			Params:      []Param{userIDParam()},
			Description: "Stops this person from punching on the device, keeping their templates.",
		}, func(r *paramReader) Request {
			return Request{Update: &UpdateRequest{User: &UserAccess{UserID: r.userID(), Access: AccessDisable}}}
		}, func(req Request) Params {
			return Params{parUserID: userAccessID(req)}
		}),
	)
	return ops
}

// Access values of Update.User.
const (
	AccessEnable  = "enable"
	AccessDisable = "disable"
)

func noParams(Request) Params { return Params{} }
