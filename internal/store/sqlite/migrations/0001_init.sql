-- Times are integer microseconds since the Unix epoch, UTC.
-- Booleans are 0 and 1. Secrets are stored only as SHA-256 digests.
-- Ids are AUTOINCREMENT: like AWX's PostgreSQL sequences they are never
-- reused, so a deleted token's URL or activity entry never names a new one.

CREATE TABLE users (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	username          TEXT    NOT NULL UNIQUE,
	password_hash     TEXT    NOT NULL DEFAULT '',
	first_name        TEXT    NOT NULL DEFAULT '',
	last_name         TEXT    NOT NULL DEFAULT '',
	email             TEXT    NOT NULL DEFAULT '',
	is_superuser      INTEGER NOT NULL DEFAULT 0,
	is_system_auditor INTEGER NOT NULL DEFAULT 0,
	is_active         INTEGER NOT NULL DEFAULT 1,
	last_login        INTEGER,
	created           INTEGER NOT NULL,
	modified          INTEGER NOT NULL
);

CREATE TABLE organizations (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name        TEXT    NOT NULL UNIQUE,
	description TEXT    NOT NULL DEFAULT '',
	max_hosts   INTEGER NOT NULL DEFAULT 0,
	created     INTEGER NOT NULL,
	modified    INTEGER NOT NULL
);

CREATE TABLE roles (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	name            TEXT    NOT NULL CHECK (name IN ('admin', 'member', 'auditor')),
	UNIQUE (organization_id, name)
);

CREATE TABLE role_members (
	role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	PRIMARY KEY (role_id, user_id)
) WITHOUT ROWID;
CREATE INDEX role_members_user ON role_members (user_id, role_id);

CREATE TABLE applications (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name                     TEXT    NOT NULL,
	description              TEXT    NOT NULL DEFAULT '',
	client_id                TEXT    NOT NULL UNIQUE,
	client_secret_digest     BLOB,
	client_type              TEXT    NOT NULL,
	authorization_grant_type TEXT    NOT NULL,
	redirect_uris            TEXT    NOT NULL DEFAULT '',
	skip_authorization       INTEGER NOT NULL DEFAULT 0,
	organization_id          INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	-- Not settable through the API; a deleted user must not take an
	-- organization's application with it.
	user_id                  INTEGER REFERENCES users (id) ON DELETE SET NULL,
	created                  INTEGER NOT NULL,
	modified                 INTEGER NOT NULL,
	UNIQUE (name, organization_id)
);
CREATE INDEX applications_organization ON applications (organization_id);
CREATE INDEX applications_user ON applications (user_id);

CREATE TABLE access_tokens (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id                 INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	digest                  BLOB    NOT NULL UNIQUE,
	application_id          INTEGER REFERENCES applications (id) ON DELETE CASCADE,
	expires                 INTEGER NOT NULL,
	scope                   TEXT    NOT NULL DEFAULT 'write',
	description             TEXT    NOT NULL DEFAULT '',
	last_used               INTEGER,
	source_refresh_token_id INTEGER REFERENCES refresh_tokens (id) ON DELETE SET NULL,
	created                 INTEGER NOT NULL,
	modified                INTEGER NOT NULL
);
CREATE INDEX access_tokens_user ON access_tokens (user_id);
CREATE INDEX access_tokens_application ON access_tokens (application_id);
CREATE INDEX access_tokens_expires ON access_tokens (expires);
CREATE INDEX access_tokens_source ON access_tokens (source_refresh_token_id);

CREATE TABLE refresh_tokens (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	digest          BLOB    NOT NULL UNIQUE,
	user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	application_id  INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	access_token_id INTEGER UNIQUE REFERENCES access_tokens (id) ON DELETE SET NULL,
	created         INTEGER NOT NULL,
	updated         INTEGER NOT NULL,
	revoked         INTEGER
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_application ON refresh_tokens (application_id);

CREATE TABLE activity (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	timestamp   INTEGER NOT NULL,
	actor_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
	operation   TEXT    NOT NULL,
	object_type TEXT    NOT NULL,
	object_id   INTEGER NOT NULL,
	object2     TEXT    NOT NULL DEFAULT '',
	changes     BLOB    NOT NULL DEFAULT '{}'
);
CREATE INDEX activity_timestamp ON activity (timestamp);
CREATE INDEX activity_object ON activity (object_type, object_id);
CREATE INDEX activity_actor ON activity (actor_id);
