package data

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// PhotoFilter selects gallery photos; zero fields do not filter.
type PhotoFilter struct {
	DeviceID         uint
	UserID           string
	Kind             string
	FromDate, ToDate string // device-local dates, inclusive
	Limit, Offset    int
}

// PhotoRow is a photo with its device name and the user's names ("" when unknown).
type PhotoRow struct {
	Photo
	DeviceName string
	FirstName  string
	LastName   string
}

// Photos returns one page of photos, newest first.
func (s *Store) Photos(ctx context.Context, f PhotoFilter) ([]PhotoRow, error) {
	q := s.reader.WithContext(ctx).Table("photos").
		Select(`photos.*, COALESCE(devices.name, '') AS device_name,
COALESCE(users.first_name, '') AS first_name, COALESCE(users.last_name, '') AS last_name`).
		Joins("LEFT JOIN devices ON devices.id = photos.device_id").
		Joins("LEFT JOIN users ON users.device_id = photos.device_id AND users.user_id = photos.user_id")
	q, err := wherePhotos(q, f)
	if err != nil {
		return nil, fmt.Errorf("data: photos: %w", err)
	}
	var rows []PhotoRow
	if err := page(q.Order("photos.utc DESC, photos.id DESC"), f.Limit, f.Offset).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("data: photos: %w", err)
	}
	return rows, nil
}

// CountPhotos counts the photos f selects, ignoring Limit and Offset.
func (s *Store) CountPhotos(ctx context.Context, f PhotoFilter) (int64, error) {
	q, err := wherePhotos(s.reader.WithContext(ctx).Table("photos"), f)
	if err != nil {
		return 0, fmt.Errorf("data: count photos: %w", err)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("data: count photos: %w", err)
	}
	return n, nil
}

func wherePhotos(q *gorm.DB, f PhotoFilter) (*gorm.DB, error) {
	if f.DeviceID != 0 {
		q = q.Where("photos.device_id = ?", f.DeviceID)
	}
	if f.UserID != "" {
		q = q.Where("photos.user_id = ?", f.UserID)
	}
	if f.Kind != "" {
		q = q.Where("photos.kind = ?", f.Kind)
	}
	dates, err := localDateConds("photos", f.FromDate, f.ToDate)
	if err != nil {
		return nil, err
	}
	for _, c := range dates {
		q = q.Where(c.sql, c.args...)
	}
	return q, nil
}
