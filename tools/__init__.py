"""Scripts that build the shipped data in ``seeds/`` (not part of the installed packages).

python -m tools.build_events --reference ../shared/reference/policy_events.csv
python -m tools.build_prices --raw ../shared/data/raw
"""
