"""Field service: service requests, SLAs, equipment, work orders, dispatch, maintenance plans and service reports."""
