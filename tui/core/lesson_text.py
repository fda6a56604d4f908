"""The lessons' words, in English and in Chinese (the tutorial's language).

Our own words on the tutorial's points. Every step has the same parts in both
languages (a test checks that no string is missing from either). The tutorial's own
terminal lines are printed by the workloads unchanged, in the tutorial's wording.
"""

from __future__ import annotations

from typing import Any, Literal

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
STEP_PARTS = ("title", "explain", "watch", "done")

TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "ui": {
            "title": "Lessons: the Ray tutorial, step by step",
            "key": "key",
            "progress": "{done} of {total} steps done",
            "watch": "Watch for",
            "done": "Done",
            "todo": "Not done yet: run it and watch",
            "completed": "Step completed: {title}",
            "all_done": "Every step is done. Press r to start again.",
            "help": "j/k or arrows choose a step, enter launches it, r resets, esc closes",
        },
        "steps": {
            "fanout": {
                "title": "Local loop vs remote tasks",
                "explain": (
                    "The same Fibonacci work runs twice: once in a plain Python loop, once "
                    "as Ray tasks submitted all at once. Ray starts a worker process per "
                    "CPU and hands each one a task, so the remote run can use every core."),
                "watch": (
                    "In the Workers tab, one row per worker fills with ray::fibonacci_"
                    "distributed and the CPU bars go to about 100 % together."),
                "done": "Several workers ran the tasks side by side, and the run ended.",
            },
            "serial": {
                "title": "The serial anti-pattern: ray.get inside the loop",
                "explain": (
                    "Calling ray.get right after each .remote() makes the driver wait for "
                    "every task before it submits the next one. The tasks still run on Ray, "
                    "but one at a time, so one worker does most of the work."),
                "watch": (
                    "One worker busy while the other CPU stays free; the 'uneven' flag is "
                    "raised and appears in the Events tab even after it clears."),
                "done": "The 'uneven' flag was raised during a serial run.",
            },
            "oversubscribe": {
                "title": "Oversubscription: more tasks than cores",
                "explain": (
                    "Submitting many more tasks than there are CPUs does not make the work "
                    "finish sooner: the extra tasks wait in the queue, and each core can "
                    "only run one task at a time."),
                "watch": (
                    "Every core at about 100 %, tasks pending in the Tasks tab, and the "
                    "'saturated' flag raised."),
                "done": "The 'saturated' flag was raised while more tasks than cores ran.",
            },
            "crossover": {
                "title": "When does remote pay off? The Lab's crossover",
                "explain": (
                    "A Ray task has a fixed cost: scheduling, moving arguments and results. "
                    "Small work is faster in a local loop; big work is faster on Ray. The "
                    "Lab times both over a range of sizes and finds where they cross."),
                "watch": "The two curves in the Lab, and the size where remote starts to win.",
                "done": "A Lab sweep found the size where remote starts to win.",
            },
            "io": {
                "title": "Returning the whole sequence: data movement dominates",
                "explain": (
                    "When each task returns its whole sequence instead of its length, the "
                    "results travel through the object store to the driver. Moving that "
                    "much data can cost more than the parallel computation saves."),
                "watch": "The speedup falls, while the object store fills in the header.",
                "done": "Returning the sequences made the run slower than the fan-out.",
            },
            "gsod": {
                "title": "Two actors load two years in parallel",
                "explain": (
                    "Each GSODActor is a process that holds one year of NOAA weather data. "
                    "Two actors load their years at the same time on two workers, then the "
                    "driver compares the stations the years have in common."),
                "watch": (
                    "Two GSODActor rows busy at the same time, and their load progress bars "
                    "in the Workload tab."),
                "done": "Two actors were busy loading at the same time, and the years compared.",
            },
        },
    },
    "zh": {
        "ui": {
            "title": "课程：一步一步学 Ray 教程",
            "key": "按键",
            "progress": "已完成 {done} / {total} 步",
            "watch": "请观察",
            "done": "已完成",
            "todo": "尚未完成：运行它并观察",
            "completed": "完成一步：{title}",
            "all_done": "所有步骤都已完成。按 r 重新开始。",
            "help": "j/k 或方向键选择步骤，回车运行，r 重置，esc 关闭",
        },
        "steps": {
            "fanout": {
                "title": "本地循环与远程任务",
                "explain": (
                    "同样的斐波那契计算运行两次：一次在普通的 Python 循环里，一次作为一次性"
                    "提交的 Ray 任务。Ray 为每个 CPU 启动一个工作进程并分给它一个任务，"
                    "所以远程运行可以用上所有核心。"),
                "watch": (
                    "在 Workers 标签页里，每个工作进程一行，显示 ray::fibonacci_distributed，"
                    "CPU 条一起升到约 100%。"),
                "done": "多个工作进程并行运行了任务，并且运行已结束。",
            },
            "serial": {
                "title": "串行反模式：在循环里调用 ray.get",
                "explain": (
                    "每次 .remote() 之后立刻调用 ray.get，驱动程序就要等每个任务结束才提交"
                    "下一个。任务仍在 Ray 上运行，但一次只有一个，所以一个工作进程做了全部的活。"),
                "watch": (
                    "一个工作进程忙碌，另一个 CPU 空闲；'uneven' 标记被触发，即使它消失了，"
                    "也能在 Events 标签页里找到。"),
                "done": "串行运行期间触发了 'uneven' 标记。",
            },
            "oversubscribe": {
                "title": "超额订阅：任务多于核心",
                "explain": (
                    "提交比 CPU 多得多的任务并不会让工作更快完成：多出来的任务在队列里等待，"
                    "每个核心一次只能运行一个任务。"),
                "watch": "所有核心约 100%，Tasks 标签页里有等待中的任务，'saturated' 标记被触发。",
                "done": "任务多于核心时触发了 'saturated' 标记。",
            },
            "crossover": {
                "title": "远程什么时候划算？实验室里的交叉点",
                "explain": (
                    "Ray 任务有固定开销：调度、传递参数和结果。小的计算在本地循环里更快，"
                    "大的计算在 Ray 上更快。实验室在一系列大小上给两者计时，找出它们的交叉点。"),
                "watch": "实验室里的两条曲线，以及远程开始胜出的那个大小。",
                "done": "实验室的扫描找到了远程开始胜出的大小。",
            },
            "io": {
                "title": "返回整个序列：数据传输占主导",
                "explain": (
                    "当每个任务返回整个序列而不是它的长度时，结果要经过对象存储传回驱动程序。"
                    "传输这么多数据的代价可能超过并行计算节省的时间。"),
                "watch": "加速比下降，同时页眉里的对象存储逐渐占满。",
                "done": "返回整个序列让运行比扇出更慢。",
            },
            "gsod": {
                "title": "两个 actor 并行加载两个年份",
                "explain": (
                    "每个 GSODActor 是一个进程，保存一年的 NOAA 气象数据。两个 actor 同时"
                    "在两个工作进程上加载各自的年份，然后驱动程序比较两年共有的气象站。"),
                "watch": "两个 GSODActor 行同时忙碌，以及 Workload 标签页里它们的加载进度条。",
                "done": "两个 actor 同时在加载，并比较了两个年份。",
            },
        },
    },
}
