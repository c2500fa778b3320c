"""Readers and writers per file format, picked by the file name's suffix."""

from .labels import Labels, LabelRep, LabelSet, labels_path_for, read_labels, write_labels
from .recording import (Event, Notification, NotificationBatch, RecordingReader,
                        RecordingWriter, TruncatedFileWarning, is_recording_path, make_header)
from .samplecsv import is_csv_path, read_samples_csv, write_samples_csv

__all__ = ["Event", "Labels", "LabelRep", "LabelSet", "Notification", "NotificationBatch",
           "RecordingReader", "RecordingWriter", "TruncatedFileWarning", "is_csv_path",
           "is_recording_path", "labels_path_for", "make_header", "read_labels",
           "read_samples_csv", "write_labels", "write_samples_csv"]
