-- The churn model's raw features of every customer as of every day {from}..{to} (both
-- included), point in time: a row for (tenant, as_of) reads only rollup rows of days
-- before as_of and lifecycle events before as_of, so nothing of the as-of day or later.
-- {allTenants} false restricts it to {tenants}. model/features.ts names and documents
-- every column and turns them into the model's inputs.
--
-- CTEs read more than once are MATERIALIZED (enable_materialized_cte, ClickHouse 25.x+):
-- inlined, each reader would compute them again, three times as slow for one day.
--
-- The usage windows are window functions over a dense grid of customer × day (days
-- without usage are rows of zeros), so that "the 7 days before as_of" is the 7 rows
-- before the as-of row; a range of 180 days of 2,000 customers is under half a million
-- grid rows. Distinct users over a window are the distinct user keys of its rows.
WITH
    -- The stage an as-of day sees is the last move of the days before it.
    stage_days AS (
        SELECT tenant_id, toDate(at) AS d, argMax(stage, (at, activity_id)) AS stage
        FROM {db:Identifier}.account_stages
        WHERE toDate(at) < {to:Date}
          AND ({allTenants:Bool} OR tenant_id IN {tenants:Array(String)})
        GROUP BY tenant_id, d
    ),
    customers AS MATERIALIZED (
        SELECT tenant_id, as_of, first_customer_day
        FROM (
            SELECT
                tenant_id,
                d,
                stage,
                leadInFrame(d, 1, {to:Date}) OVER (
                    PARTITION BY tenant_id ORDER BY d ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING
                ) AS next_d,
                minIf(d, stage = 'customer') OVER (PARTITION BY tenant_id) AS first_customer_day
            FROM stage_days
        )
        ARRAY JOIN arrayMap(
            i -> toDate(i),
            range(toUInt32(greatest(d + 1, {from:Date})), toUInt32(least(next_d, {to:Date})) + 1)
        ) AS as_of
        WHERE stage = 'customer'
    ),
    daily_users AS (
        SELECT tenant_id, day, uniqExact(user_key) AS users, groupUniqArray(user_key) AS user_keys
        FROM {db:Identifier}.daily_active_users
        WHERE day >= {from:Date} - 56 AND day < {to:Date}
          AND tenant_id IN (SELECT tenant_id FROM customers)
        GROUP BY tenant_id, day
    ),
    -- A module is in use on a day with a page view or an action on it.
    daily_modules AS MATERIALIZED (
        SELECT tenant_id, day, groupUniqArrayIf(module, module != '' AND kind != 'pricing') AS modules
        FROM {db:Identifier}.module_daily
        WHERE day >= {from:Date} - 56 AND day < {to:Date}
          AND tenant_id IN (SELECT tenant_id FROM customers)
        GROUP BY tenant_id, day
    ),
    grid AS (
        SELECT t.tenant_id AS tenant_id, toDate({from:Date} - 56 + n.number) AS day
        FROM (SELECT DISTINCT tenant_id FROM customers) AS t
        CROSS JOIN numbers(toUInt64(dateDiff('day', {from:Date} - 56, {to:Date}) + 1)) AS n
    ),
    series AS MATERIALIZED (
        SELECT g.tenant_id AS tenant_id, g.day AS day, u.users, u.user_keys, m.modules
        FROM grid AS g
        LEFT JOIN daily_users AS u ON u.tenant_id = g.tenant_id AND u.day = g.day
        LEFT JOIN daily_modules AS m ON m.tenant_id = g.tenant_id AND m.day = g.day
    ),
    windows AS (
        SELECT
            tenant_id,
            day AS as_of,
            length(groupUniqArrayArray(user_keys) OVER d1_7) AS active_users_7,
            length(groupUniqArrayArray(user_keys) OVER d1_14) AS active_users_14,
            length(groupUniqArrayArray(user_keys) OVER d15_28) AS active_users_prev_14,
            length(groupUniqArrayArray(user_keys) OVER d1_28) AS active_users_28,
            length(groupUniqArrayArray(user_keys) OVER d29_56) AS active_users_prev_28,
            sum(users) OVER d1_7 AS user_days_7,
            sum(users) OVER d8_14 AS user_days_prev_7,
            sum(users) OVER d1_14 AS user_days_14,
            sum(users) OVER d1_28 AS user_days_28,
            sum(users) OVER d29_56 AS user_days_prev_28,
            -- x·y summed with x the day number: the slope's x is shifted by as_of - 28 below.
            sum(users * toInt64(toUInt16(day))) OVER d1_28 AS user_days_xy_28,
            groupUniqArrayArray(modules) OVER d1_14 AS modules_14,
            groupUniqArrayArray(modules) OVER d15_56 AS modules_before_14,
            length(groupUniqArrayArray(modules) OVER d1_28) AS modules_used_28,
            max(if(users > 0, day, toDate(0))) OVER d1_56 AS last_active_day
        FROM series
        WINDOW
            d1_7 AS (PARTITION BY tenant_id ORDER BY day ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING),
            d8_14 AS (PARTITION BY tenant_id ORDER BY day ROWS BETWEEN 14 PRECEDING AND 8 PRECEDING),
            d1_14 AS (PARTITION BY tenant_id ORDER BY day ROWS BETWEEN 14 PRECEDING AND 1 PRECEDING),
            d15_28 AS (PARTITION BY tenant_id ORDER BY day ROWS BETWEEN 28 PRECEDING AND 15 PRECEDING),
            d1_28 AS (PARTITION BY tenant_id ORDER BY day ROWS BETWEEN 28 PRECEDING AND 1 PRECEDING),
            d29_56 AS (PARTITION BY tenant_id ORDER BY day ROWS BETWEEN 56 PRECEDING AND 29 PRECEDING),
            d15_56 AS (PARTITION BY tenant_id ORDER BY day ROWS BETWEEN 56 PRECEDING AND 15 PRECEDING),
            d1_56 AS (PARTITION BY tenant_id ORDER BY day ROWS BETWEEN 56 PRECEDING AND 1 PRECEDING)
    ),
    -- Per module of a tenant, the days it was in use; as of a day, a key module is one
    -- in use on 4 or more of the 56 days before, and the longest idle of them counts.
    module_days AS (
        SELECT tenant_id, module, groupArray(day) AS days
        FROM (SELECT tenant_id, day, arrayJoin(modules) AS module FROM daily_modules)
        GROUP BY tenant_id, module
    ),
    key_modules AS (
        SELECT
            tenant_id,
            as_of,
            max(idle) AS key_module_idle_days,
            argMax(module, (idle, module)) AS key_module
        FROM (
            SELECT
                c.tenant_id AS tenant_id,
                c.as_of AS as_of,
                m.module AS module,
                arrayFilter(d -> d < c.as_of AND d >= c.as_of - 56, m.days) AS used,
                dateDiff('day', arrayMax(used), c.as_of) - 1 AS idle
            FROM customers AS c
            INNER JOIN module_days AS m ON m.tenant_id = c.tenant_id
            WHERE length(used) >= 4
        )
        GROUP BY tenant_id, as_of
    ),
    renewals AS (
        SELECT tenant_id, toDate(timestamp) AS day, JSONExtractFloat(properties, 'revenue') AS revenue
        FROM {db:Identifier}.lifecycle_events
        WHERE type = 'track' AND event = 'Subscription Renewed'
          AND toDate(timestamp) < {to:Date}
          AND tenant_id IN (SELECT tenant_id FROM customers)
    ),
    -- The account's MRR and seats from its latest group call that carried them.
    account_traits AS (
        SELECT
            tenant_id,
            toDate(timestamp) AS day,
            argMax(JSONExtract(traits, 'mrr', 'Nullable(Float64)'), timestamp) AS mrr,
            argMax(JSONExtract(traits, 'seats', 'Nullable(Float64)'), timestamp) AS seats
        FROM {db:Identifier}.lifecycle_events
        WHERE type = 'group' AND JSONHas(traits, 'mrr')
          AND toDate(timestamp) < {to:Date}
          AND tenant_id IN (SELECT tenant_id FROM customers)
        GROUP BY tenant_id, day
    )
SELECT
    c.tenant_id AS tenant_id,
    toString(c.as_of) AS as_of,
    dateDiff('day', c.first_customer_day, c.as_of) AS tenure_days,
    w.active_users_7,
    w.active_users_14,
    w.active_users_prev_14,
    w.active_users_28,
    w.active_users_prev_28,
    w.user_days_7,
    w.user_days_prev_7,
    w.user_days_14,
    w.user_days_28,
    w.user_days_prev_28,
    -- Least-squares slope of daily active users over the 28 days, x = 0..27.
    (12 * (w.user_days_xy_28 - toInt64(toUInt16(c.as_of - 28)) * w.user_days_28)
        - 6 * 27 * w.user_days_28) / (28 * (28 * 28 - 1)) AS user_days_slope_28,
    w.modules_used_28,
    length(arrayFilter(m -> NOT has(w.modules_14, m), w.modules_before_14)) AS modules_lost_14,
    k.key_module_idle_days,
    k.key_module,
    if(w.last_active_day = toDate(0), NULL, dateDiff('day', w.last_active_day, c.as_of) - 1)
        AS days_since_active,
    t.mrr AS mrr,
    t.seats AS seats,
    -- The renewal estimate of the rules' days_to_renewal metric (rules/metric-catalogue.ts).
    if(r.day = toDate(0) OR ifNull(t.mrr, 0) <= 0, NULL,
       dateDiff('day', c.as_of, r.day + if(r.revenue >= 6 * t.mrr, 365,
           30 * greatest(1, toUInt32(round(r.revenue / t.mrr)))))) AS days_to_renewal,
    r.revenue >= 6 * ifNull(t.mrr, 0) AND r.day != toDate(0) AS annual_contract
FROM customers AS c
INNER JOIN windows AS w ON w.tenant_id = c.tenant_id AND w.as_of = c.as_of
LEFT JOIN key_modules AS k ON k.tenant_id = c.tenant_id AND k.as_of = c.as_of
ASOF LEFT JOIN renewals AS r ON r.tenant_id = c.tenant_id AND c.as_of > r.day
ASOF LEFT JOIN account_traits AS t ON t.tenant_id = c.tenant_id AND c.as_of > t.day
ORDER BY tenant_id, as_of
SETTINGS enable_materialized_cte = 1
