from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "jiesu.grids"
    label = "grids"
    verbose_name = "网格"
