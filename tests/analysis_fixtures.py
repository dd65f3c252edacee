"""Small hand-made graphs for the analysis tests, written as canonical CSV files.

Four independent graphs share one database (their ids never overlap):

A  AND inputs, an alt_group, several producers, regions and an ownership group
   A-RAW1 (e1, X1a, 100/day) --qty 2--> A-MID <-- alt_group g: A-RAW2 (e2, X2a, 30)
                                               <-- alt_group g: A-RAW3 (e3, Y1, 25)
   A-MID made by e4 (X1a, 60) and e5 (X2a, 40);  A-MID --> A-FIN (final, demand 10)
   A-FIN made by e6 (Y1, 1000) and e7 (no region, 5), e7 owned by e6
   Regions: X > X1 > X1a, X > X2 > X2a, Y > Y1
B  a cycle closed by an alternative: B-ORE (m1) or B-SCRAP --alt--> B-STEEL (s1)
   --> B-CAR (c1, final) --> B-SCRAP (r1)
C  unreachable products: C-A and C-B need each other (u1, u2); C-FIN (final) needs C-A;
   C-IDLE (final) has one producer on record, with capacity 0
D  a bare bill of materials with no producer on record (like the Willems chains):
   D-P1, D-P2 --> D-M --> D-R (final)
"""

from __future__ import annotations

from pathlib import Path

FILES = {
    "regions.csv": """code,name,level,parent
X,Xland,country,
X1,X one,province,X
X1a,X one a,city,X1
X2,X two,province,X
X2a,X two a,city,X2
Y,Yland,country,
Y1,Y one,province,Y
""",
    "chains.csv": """id,name,description
hand-a,Hand A,
hand-b,Hand B,
hand-c,Hand C,
hand-d,Hand D,
""",
    "enterprises.csv": """id,name,region,parent_id,parent_share
e1,Raw One,X1a,,
e2,Raw Two,X2a,,
e3,Raw Three,Y1,,
e4,Mid Four,X1a,,
e5,Mid Five,X2a,,
e6,Fin Six,Y1,,
e7,Fin Seven,,e6,0.8
m1,Mine,,,
s1,Steel Mill,,,
c1,Car Maker,,,
r1,Recycler,,,
u1,U One,,,
u2,U Two,,,
u3,U Three,,,
""",
    "products.csv": """id,name,unit,category,lead_time_days,demand_per_day,chain,stage
A-RAW1,Raw one,t,raw material,30,,hand-a,upstream
A-RAW2,Raw two,t,raw material,20,,hand-a,upstream
A-RAW3,Raw three,t,raw material,20,,hand-a,upstream
A-MID,Middle,t,component,14,,hand-a,midstream
A-FIN,Finished,piece,final,7,10,hand-a,downstream
B-ORE,Ore,t,raw material,,,hand-b,upstream
B-SCRAP,Scrap,t,material,,,hand-b,upstream
B-STEEL,Steel,t,material,,,hand-b,midstream
B-CAR,Car,piece,final,,,hand-b,downstream
C-A,Chicken,piece,component,,,hand-c,midstream
C-B,Egg,piece,component,,,hand-c,midstream
C-FIN,Omelette,piece,final,,,hand-c,downstream
C-IDLE,Idle product,piece,final,,,hand-c,downstream
D-P1,Part one,piece,raw material,,,hand-d,upstream
D-P2,Part two,piece,raw material,,,hand-d,upstream
D-M,Module,piece,component,,,hand-d,midstream
D-R,Retail item,piece,final,,,hand-d,downstream
""",
    "bom.csv": """input,output,qty_per_unit,alt_group
A-RAW1,A-MID,2,
A-RAW2,A-MID,1,g
A-RAW3,A-MID,1,g
A-MID,A-FIN,1,
B-ORE,B-STEEL,1,iron
B-SCRAP,B-STEEL,1,iron
B-STEEL,B-CAR,1,
B-CAR,B-SCRAP,1,
C-B,C-A,1,
C-A,C-B,1,
C-A,C-FIN,1,
D-P1,D-M,1,
D-P2,D-M,1,
D-M,D-R,1,
""",
    "capacity.csv": """enterprise,product,capacity_per_day,output_per_day,unit,as_of
e1,A-RAW1,100,,t,2026-01-01
e2,A-RAW2,30,,t,2026-01-01
e3,A-RAW3,25,,t,2026-01-01
e4,A-MID,60,,t,2026-01-01
e5,A-MID,40,,t,2026-01-01
e6,A-FIN,1000,,piece,2026-01-01
e7,A-FIN,5,,piece,2026-01-01
m1,B-ORE,10,,t,2026-01-01
s1,B-STEEL,100,,t,2026-01-01
c1,B-CAR,100,,piece,2026-01-01
r1,B-SCRAP,100,,t,2026-01-01
u1,C-A,10,,piece,2026-01-01
u2,C-B,10,,piece,2026-01-01
u3,C-IDLE,0,,piece,2026-01-01
""",
    "inventory.csv": """holder,product,stock,daily_use,as_of
e6,A-MID,100,10,2026-01-01
""",
    "supplies.csv": """supplier,customer,product,share,volume
e1,e4,A-RAW1,1.0,
e4,e6,A-MID,0.5,
e5,e6,A-MID,0.5,
e4,e7,A-MID,1.0,
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
