"""eqchip.golden"""
