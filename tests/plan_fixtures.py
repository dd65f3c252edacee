"""Small hand-made graphs for the planning tests, written as canonical CSV files.

Four independent chains share one database (their ids never overlap); the answers are worked
out by hand in the tests.

plan-share  two products sharing one input:
            MB (melt-blown, m1 100/day) --2--> N95 (n1 80/day, demand 30)
            MB                          --1--> SURG (s1 90/day, demand 60)
            single-product figures: N95 50, SURG 90; together 2 N95 + 1 SURG <= 100.
            car3 CAN_PRODUCE MB 20/day, ramp 10 days; car2 CAN_PRODUCE N95 50/day, ramp 3.
            Areas: hospitals demand N95 at priority 1, schools SURG at priority 4.
plan-alt    a substitute pair: GLOVE (gl1 1000/day, demand 200) needs NIT (ni1 50) or LAT
            (la1 70) in alt_group rubber; CATH (c1 40/day, output 20 today, demand 40) needs
            LAT; existing producers ramp over the default 7 days.
plan-ramp   VENT (v1 40/day, demand 100); car1 CAN_PRODUCE VENT 100/day over 20 days:
            40 + 5 t >= 100 on day 12.
plan-res    resumption after a lockdown of province L (with city L1):
            R-RAW by ra (L1, 100), rc (L1, 60), rb (O, 30) --> R-PART by pa (L1, 100)
            --> R-FIN (demand 50) by fa (L1, 60) and fb (O, 90).
            Normal joint output of R-FIN 100; 80% is 80: restart pa and ra (or rc).
"""

from __future__ import annotations

from pathlib import Path

FILES = {
    "regions.csv": """code,name,level,parent
L,Lockland,province,
L1,Lock city,city,L
O,Otherland,province,
""",
    "chains.csv": """id,name,description
plan-share,Shared input,
plan-alt,Substitutes,
plan-ramp,Ramp-up,
plan-res,Resumption,
""",
    "enterprises.csv": """id,name,region
m1,Melt One,O
n1,N95 One,O
s1,Surgical One,O
car2,Car Two,O
car3,Car Three,O
gl1,Glove One,O
ni1,Nitrile One,O
la1,Latex One,O
c1,Catheter One,O
v1,Vent One,O
car1,Car One,O
ra,Raw A,L1
rc,Raw C,L1
rb,Raw B,O
pa,Part A,L1
fa,Final A,L1
fb,Final B,O
""",
    "products.csv": """id,name,unit,category,lead_time_days,demand_per_day,chain,stage
MB,Melt-blown,t,material,20,,plan-share,upstream
N95,N95 mask,piece,final,5,30,plan-share,downstream
SURG,Surgical mask,piece,final,5,60,plan-share,downstream
NIT,Nitrile,t,material,,,plan-alt,upstream
LAT,Latex,t,material,,,plan-alt,upstream
GLOVE,Glove,piece,final,,200,plan-alt,downstream
CATH,Catheter,piece,final,,40,plan-alt,downstream
VENT,Ventilator,piece,final,,100,plan-ramp,downstream
R-RAW,Raw,t,raw material,10,,plan-res,upstream
R-PART,Part,piece,component,10,,plan-res,midstream
R-FIN,Final,piece,final,5,50,plan-res,downstream
""",
    "bom.csv": """input,output,qty_per_unit,alt_group
MB,N95,2,
MB,SURG,1,
NIT,GLOVE,1,rubber
LAT,GLOVE,1,rubber
LAT,CATH,1,
R-RAW,R-PART,1,
R-PART,R-FIN,1,
""",
    "capacity.csv": """enterprise,product,capacity_per_day,output_per_day,unit,as_of
m1,MB,100,,t,2026-01-01
n1,N95,80,,piece,2026-01-01
s1,SURG,90,,piece,2026-01-01
gl1,GLOVE,1000,,piece,2026-01-01
ni1,NIT,50,,t,2026-01-01
la1,LAT,70,,t,2026-01-01
c1,CATH,40,20,piece,2026-01-01
v1,VENT,40,40,piece,2026-01-01
ra,R-RAW,100,,t,2026-01-01
rc,R-RAW,60,,t,2026-01-01
rb,R-RAW,30,,t,2026-01-01
pa,R-PART,100,,piece,2026-01-01
fa,R-FIN,60,,piece,2026-01-01
fb,R-FIN,90,,piece,2026-01-01
""",
    "conversions.csv": """enterprise,product,capacity_per_day,ramp_days,as_of
car1,VENT,100,20,2026-01-01
car2,N95,50,3,2026-01-01
car3,MB,20,10,2026-01-01
""",
    "inventory.csv": """holder,product,stock,daily_use,as_of
fb,R-FIN,200,50,2026-01-01
""",
    "stockpiles.csv": """reserve,product,stock,target,as_of
fb,R-FIN,100,300,2026-01-01
""",
    "demand.csv": """area,product,priority,daily_demand,as_of,area_name,sector
wards,N95,1,30,2026-01-01,Wards,hospitals
schools,SURG,4,60,2026-01-01,Schools,schools
""",
}


def write_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in FILES.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
