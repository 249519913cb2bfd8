"""eqchip.macros"""
