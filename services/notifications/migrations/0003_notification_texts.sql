-- What a notification says as a template and its arguments (a serialized
-- convene.notifications.v1.NotificationText): readers in another language than the stored title
-- and body get them rendered from it, and clients that render themselves get it as it is.
ALTER TABLE notifications ADD COLUMN text bytea;
