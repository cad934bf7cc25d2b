-- A certified WeChat official account vouches for one organisation (as in WeCom): at most one
-- enterprise is verified through a given account. Should older data hold an account twice, the
-- enterprise verified first keeps it and the later ones go back to unverified.
UPDATE enterprises e SET verified = false, verification_method = 0, official_account_id = '', verified_at = NULL
WHERE e.official_account_id <> '' AND EXISTS (
    SELECT 1 FROM enterprises f WHERE f.official_account_id = e.official_account_id AND f.id <> e.id
    AND (f.verified_at, f.id) < (e.verified_at, e.id));

CREATE UNIQUE INDEX enterprises_official_account ON enterprises (official_account_id)
    WHERE official_account_id <> '';
