package data

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// PostgreSQL pool sizes: writes run concurrently there (Apply retries a deadlock), reads on their own pool.
const (
	pgWriterConns  = 4
	pgConnectLimit = 10 * time.Second // when the DSN sets no connect_timeout
)

// IsPostgresDSN reports whether Open takes dsn for a PostgreSQL URL rather than a SQLite file.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// MaskDSN returns dsn with its password (in the user info or a password parameter) replaced by
// xxxxx, for logs and errors. A SQLite path is returned as is; a URL that does not parse is
// cut to its scheme.
func MaskDSN(dsn string) string {
	if !IsPostgresDSN(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn[:strings.Index(dsn, "://")+3] + "(unparsable DSN)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// dsnPassword returns the password dsn carries, "" when none.
func dsnPassword(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return ""
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return p
	}
	return u.Query().Get("password")
}

// redacted is an error whose text has the password cut out; Unwrap still reaches the cause.
type redacted struct {
	msg string
	err error
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }

// redact hides password in err's text, should a driver ever have put it there.
func redact(err error, password string) error {
	if err == nil || password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return redacted{msg: strings.ReplaceAll(err.Error(), password, "xxxxx"), err: err}
}

// openPostgres opens the writer pool and the read-only reader pool on dsn.
func openPostgres(dsn string) (writer, reader *gorm.DB, err error) {
	where := "PostgreSQL " + MaskDSN(dsn)
	password := dsnPassword(dsn)
	fail := func(err error) error { return fmt.Errorf("data: open %s: %w", where, redact(err, password)) }

	config, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, nil, fail(err)
	}
	if config.ConnectTimeout == 0 {
		config.ConnectTimeout = pgConnectLimit
	}
	setDefault(config.RuntimeParams, "application_name", "camsdesk")
	setDefault(config.RuntimeParams, "timezone", "UTC")

	if writer, err = openPostgresHandle(*config, pgWriterConns); err != nil {
		return nil, nil, fail(err)
	}
	ro := config.Copy()
	ro.RuntimeParams["default_transaction_read_only"] = "on"
	if !dsnSets(dsn, "default_query_exec_mode") {
		// Readers plan each query for its own values: the generic plan of a prepared statement
		// can be twenty times slower on a date range. The writer's INSERTs keep theirs prepared.
		ro.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	}
	if reader, err = openPostgresHandle(*ro, readerConns); err != nil {
		closeGorm(writer)
		return nil, nil, fail(err)
	}
	return writer, reader, nil
}

// dsnSets reports whether the URL dsn has the query parameter key.
func dsnSets(dsn, key string) bool {
	u, err := url.Parse(dsn)
	return err == nil && u.Query().Has(key)
}

// setDefault sets the run-time parameter key unless the DSN gave it (in any case: TimeZone).
func setDefault(m map[string]string, key, value string) {
	for k := range m {
		if strings.EqualFold(k, key) {
			return
		}
	}
	m[key] = value
}

// openPostgresHandle opens one pool whose timestamptz values scan in UTC.
func openPostgresHandle(config pgx.ConnConfig, conns int) (*gorm.DB, error) {
	utc := stdlib.OptionAfterConnect(func(_ context.Context, conn *pgx.Conn) error {
		conn.TypeMap().RegisterType(&pgtype.Type{
			Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
		})
		return nil
	})
	sqlDB := stdlib.OpenDB(config, utc)
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	sqlDB.SetConnMaxLifetime(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), config.ConnectTimeout+time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), gormConfig())
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// retryable reports whether a PostgreSQL transaction failed only because of a concurrent one
// (deadlock or serialization failure) and may simply run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}
