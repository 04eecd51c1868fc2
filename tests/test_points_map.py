"""The communes as points at the registry's centroids: size the poor households, colour the
rate, drawn on plain axes (no tile server, no boundary file)."""

import json

from analytics import charts, levels, poverty


def test_points_at_the_centroids_sized_by_poor_households_coloured_by_rate(demo_db):
    table = poverty.commune_table(demo_db, 2024).merge(levels.centroids(demo_db, 2024), on="code")
    assert table[["lat", "lon"]].notna().all().all() and len(table) == 13
    # Hớn Quản lies in the south-east: about 11.6° N, 106.6° E
    assert table.lat.between(11, 12.5).all() and table.lon.between(106, 107.5).all()
    fig = charts.commune_points(table, "vi")
    (trace,) = fig.data
    assert trace.type == "scatter"  # not scattermapbox / scattergeo: nothing fetched from a server
    assert "mapbox" not in json.dumps(fig.to_plotly_json()["layout"]) and not fig.layout.geo.visible
    assert list(trace.x) == table.lon.tolist() and list(trace.y) == table.lat.tolist()
    sizes = dict(zip(table.code, trace.marker.size))
    most, fewest = table.sort_values("poor").code.iloc[-1], table.sort_values("poor").code.iloc[0]
    assert sizes[most] > sizes[fewest]
    assert list(trace.marker.color) == (table.poor_rate * 100).tolist()
    assert fig.layout.yaxis.scaleanchor == "x"


def test_no_centroid_no_point(demo_db):
    table = poverty.commune_table(demo_db, 2024).assign(lat=None, lon=None)
    fig = charts.commune_points(table, "en")
    assert not any(getattr(t, "x", None) is not None and len(t.x) for t in fig.data)
