"""The bundled sample data set (a development tool): simulated children, forms, an insurer export."""

from atiyeh_reports.sample.write import (  # noqa: F401 - the step's public names
    AGE_LIMIT,
    CHILDREN_1404,
    CSV_YEAR,
    ENGLISH_HEADERS,
    GROWTH_PER_YEAR,
    LEAVE_CARE_SHARE,
    LIST_DATES,
    MIN_PER_PROVINCE,
    NOTIFIED_PLANTS,
    PARAMS_DIR,
    PREMIUMS,
    SampleInfo,
    province_quotas,
    target_children,
    write_sample,
)
